import { existsSync, mkdirSync, mkdtempSync, readFileSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alertText } from '@faultline/core';
import { loadConfig } from '@faultline/runtime';
import { quotaNotification } from '@faultline/testkit';
import { describe, expect, it } from 'vitest';
import { alertFileChannel } from '../src/channels/alert-file.ts';
import { AlerterConfig } from '../src/config.ts';

// The example, as the core tests of the alert body use it, but a group id of its own.
const notification = { ...quotaNotification, id: 'fp-1-1', fingerprint: 'fp' };

const RULE = '='.repeat(80);
const channel = (extra: Record<string, string> = {}) => {
  const path = join(mkdtempSync(join(tmpdir(), 'faultline-file-')), 'nested', 'alerts.log');
  return { path, file: alertFileChannel(loadConfig(AlerterConfig, { ALERT_FILE_PATH: path, ...extra })) };
};

describe('the alert file', () => {
  it('holds each alert whole, byte for byte, in a directory it creates', async () => {
    const { path, file } = channel();
    await file.deliver(notification);
    const text = readFileSync(path, 'utf8');
    const stamp = /^TIMESTAMP: (\S+)$/m.exec(text)?.[1] ?? '';
    expect(new Date(stamp).toISOString()).toBe(stamp);
    // The body is the one every channel shares, pinned line for line in packages/core/test/alerting.test.ts;
    // here, the file's own bytes around it: rule, timestamp, the body whole, rule.
    expect(text).toBe(`${RULE}\nTIMESTAMP: ${stamp}\n${alertText(notification)}${RULE}\n`);
    expect(text).toMatch(
      /\nALERT: BILLING_QUOTA\nSeverity: CRITICAL\nProvider: openai\nTime: 2025-11-17T10:30:00Z\n/,
    );
  });

  it('rotates by size, keeping whole entries in each file', async () => {
    const { path, file } = channel({ ALERT_FILE_MAX_BYTES: '1024', ALERT_FILE_KEEP: '2' });
    for (let i = 0; i < 4; i++) await file.deliver(notification);
    expect(existsSync(`${path}.1`)).toBe(true);
    expect(existsSync(`${path}.2`)).toBe(true);
    expect(existsSync(`${path}.3`)).toBe(false);
    for (const f of [`${path}.1`, `${path}.2`]) {
      const text = readFileSync(f, 'utf8');
      expect(text.startsWith(`${RULE}\nTIMESTAMP:`)).toBe(true);
      expect(text.endsWith(`Source: generation\n${RULE}\n`)).toBe(true);
    }
  });

  it('rotates again after a replica died holding the rotation lock', async () => {
    const { path, file } = channel({ ALERT_FILE_MAX_BYTES: '1024' });
    mkdirSync(`${path}.rotate-lock`);
    const old = new Date(Date.now() - 5 * 60_000);
    utimesSync(`${path}.rotate-lock`, old, old);
    await file.deliver(notification);
    await file.deliver(notification);
    expect(existsSync(`${path}.1`)).toBe(true);
    expect(existsSync(`${path}.rotate-lock`)).toBe(false);
  });
});
