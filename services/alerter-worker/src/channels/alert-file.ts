import { appendFileSync, existsSync, mkdirSync, renameSync, rmdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { alertText, type Notification } from '@faultline/core';
import type { AlerterConfig } from '../config.ts';
import type { AlertChannel } from './channel.ts';

export const ENTRY_RULE = '='.repeat(80);

/** One alert as the file holds it: between rules of 80 `=`, starting `TIMESTAMP: …`. */
export function alertFileEntry(n: Notification, at: Date): string {
  return `${ENTRY_RULE}\nTIMESTAMP: ${at.toISOString()}\n${alertText(n)}${ENTRY_RULE}\n`;
}

/** A rotation takes milliseconds; a lock older than this was left by a process that died rotating. */
const STALE_LOCK_MS = 60_000;

function takeLock(lock: string): boolean {
  try {
    mkdirSync(lock);
    return true;
  } catch {
    try {
      if (Date.now() - statSync(lock).mtimeMs < STALE_LOCK_MS) return false;
      rmdirSync(lock);
      mkdirSync(lock);
      return true;
    } catch {
      return false;
    }
  }
}

/**
 * Appends whole entries, so `tail -f` and `grep CRITICAL` work. One write with O_APPEND per entry:
 * Linux writes it at the end in one piece, so replicas writing at once never interleave. Rotation is
 * by size, under a lock directory (mkdir is atomic) so two replicas do not rotate twice.
 */
export function alertFileChannel(cfg: AlerterConfig): AlertChannel {
  const path = cfg.ALERT_FILE_PATH;
  mkdirSync(dirname(path), { recursive: true });
  const lock = `${path}.rotate-lock`;

  function rotateIfLarge(): void {
    let size = 0;
    try {
      size = statSync(path).size;
    } catch {
      return;
    }
    if (size < cfg.ALERT_FILE_MAX_BYTES) return;
    if (!takeLock(lock)) return; // another replica is rotating
    try {
      if (statSync(path).size < cfg.ALERT_FILE_MAX_BYTES) return;
      for (let i = cfg.ALERT_FILE_KEEP - 1; i >= 1; i--) {
        if (existsSync(`${path}.${i}`)) renameSync(`${path}.${i}`, `${path}.${i + 1}`);
      }
      renameSync(path, `${path}.1`);
    } finally {
      rmdirSync(lock);
    }
  }

  return {
    name: 'file',
    target: 'file',
    async deliver(n) {
      appendFileSync(path, alertFileEntry(n, new Date()), { flag: 'a' });
      rotateIfLarge();
    },
    async close() {},
  };
}
