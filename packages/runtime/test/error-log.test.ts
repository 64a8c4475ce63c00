import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { logErrors } from '../src/error-log.ts';
import { createLogger } from '../src/logger.ts';

afterEach(() => {
  vi.useRealTimers();
});

describe('errors of a queue or worker during a Redis outage', () => {
  it('are logged once every 10 s, the next line saying how many were folded in', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(1_000_000);
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(JSON.parse(String(chunk)));
        cb();
      },
    });
    const emitter = new EventEmitter();
    logErrors(emitter, createLogger('test', 'info', sink), 'queue error', { queue: 'alerts' });
    for (let i = 0; i < 50; i++) emitter.emit('error', new Error('connect ECONNREFUSED 127.0.0.1:6390'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ msg: 'queue error', queue: 'alerts' });
    vi.setSystemTime(1_010_000);
    emitter.emit('error', new Error('connect ECONNREFUSED 127.0.0.1:6390'));
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({ alsoSince: 49 });
  });
});
