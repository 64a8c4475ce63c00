import type { AlertEvent } from '@faultline/core';
import { pollUntil } from '@faultline/testkit';
import { describe, expect, it } from 'vitest';
import { outbox } from '../src/outbox.ts';

const event = (id: string) => ({ id }) as AlertEvent;

describe('the backlog while Redis is away', () => {
  it('keeps at most `max` events, dropping the oldest waiting ones, and says so once', async () => {
    const warnings: string[] = [];
    let redisUp = false;
    const published: string[] = [];
    const box = outbox({
      publish: async (e) => {
        if (!redisUp) throw new Error('Stream isn’t writeable');
        published.push(e.id);
      },
      warn: (m) => warnings.push(m),
      max: 3,
    });
    for (const id of ['a', 'b', 'c', 'd', 'e']) box.add(event(id));
    expect(box.size).toBe(3);
    expect(warnings.filter((w) => w.includes('dropped'))).toHaveLength(1);
    await pollUntil('the warning that Redis refused', () =>
      warnings.some((w) => w.includes('could not publish')),
    );

    redisUp = true;
    expect(await box.flush(5_000)).toBe(0);
    expect(warnings.filter((w) => w.includes('could not publish'))).toHaveLength(1);
    // The one in flight when the backlog filled is kept; the next oldest made room.
    expect(published).toEqual(['a', 'd', 'e']);
    await pollUntil('the all-clear', () => warnings.some((w) => /published again; 2 were dropped/.test(w)));
    box.close();
  });

  it('publishes each event once, in order, one at a time', async () => {
    let inFlight = 0;
    let most = 0;
    const published: string[] = [];
    const box = outbox({
      publish: async (e) => {
        most = Math.max(most, ++inFlight);
        await new Promise((r) => setTimeout(r, 1));
        published.push(e.id);
        inFlight--;
      },
      warn: () => {},
    });
    const ids = Array.from({ length: 50 }, (_, i) => `ev-${i}`);
    for (const id of ids) box.add(event(id));
    expect(await box.flush(5_000)).toBe(0);
    expect(published).toEqual(ids);
    expect(most).toBe(1);
    box.close();
  });
});
