import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.ts';

describe('logs carry no secrets', () => {
  it('redacts keys inside messages, nested fields and secret-named fields', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const logger = createLogger('test', 'info', sink);
    logger.info(
      {
        err: { message: 'Incorrect API key provided: sk-proj-abcdefghijklmnopqrstuvwxyz123456' },
        smtp: { password: 'hunter2-very-secret' },
      },
      'call failed with Authorization: Bearer abcdefghijklmnopqrstuvwxyz0123456789',
    );
    logger.warn('anthropic said sk-ant-api03-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    const out = lines.join('');
    expect(out).toContain('call failed');
    for (const secret of [
      'sk-proj-abcdefghijklmnopqrstuvwxyz123456',
      'hunter2-very-secret',
      'abcdefghijklmnopqrstuvwxyz0123456789',
      'sk-ant-api03-AAAA',
    ]) {
      expect(out).not.toContain(secret);
    }
    expect(pino.levels.values.info).toBe(30);
  });
});
