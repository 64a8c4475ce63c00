import type { AlertEvent } from '@faultline/core';
import { startTestRedis, type TestRedis } from '@faultline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { billingEvent } from './support/alerter-env.ts';
import { t, timeline } from './support/timeline.ts';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(() => redis?.close());

/** The defaults a user runs with, stated so the times below read against them. */
const DEFAULTS = {
  ALERT_GROUP_WAIT: '30s',
  ALERT_REPEAT_INTERVAL: '1h',
  ALERT_RESOLVE_HOLD: '2m',
  ALERT_RESOLVE_AFTER: '30m',
};

let seq = 0;
/** A probe's transition of one model of `acme`: its key ran out of credit, or it answers again. */
const probe = (model: string, state: 'firing' | 'resolved'): AlertEvent =>
  billingEvent('acme', {
    id: `tl-${seq++}`,
    source: 'health_probe',
    operation: 'health_check',
    model,
    state,
    reason: state === 'firing' ? 'breaker_opened' : 'recovered',
  });
const traffic = (model: string) => billingEvent('acme', { id: `tl-${seq++}`, model });

describe('what a person receives, on a clock the test moves', () => {
  it('a burst of one failure is one mail at the group wait, and the next one an hour later counts the rest', async () => {
    const tl = await timeline(redis.url, DEFAULTS);
    await tl.send(traffic('gpt-4o'));
    for (const at of ['00:05', '00:10', '00:20']) {
      await tl.at(t(at));
      await tl.send(traffic('gpt-4o'));
    }
    await tl.at(t('00:29'));
    expect(tl.received()).toEqual([]);
    await tl.at(t('00:30'));
    expect(tl.received()).toEqual([{ at: t('00:30'), subject: '🚨 Faultline Alert: Billing Quota (acme)' }]);
    expect(tl.notifications()[0]).toMatchObject({ occurrences: 4 });
    // Within the repeat interval: counted, not sent.
    await tl.at(t('30:00'));
    await tl.send(traffic('gpt-4o'));
    await tl.at(t('60:29'));
    expect(tl.received()).toHaveLength(1);
    // The first event after the hour since the last mail repeats it at once, with what it counted.
    await tl.at(t('60:30'));
    await tl.send(traffic('gpt-4o'));
    expect(tl.received()).toHaveLength(2);
    expect(tl.received()[1]!.at).toBe(t('60:30'));
    expect(tl.notifications()[1]).toMatchObject({ occurrences: 2 });
    await tl.close();
  });

  it('a recovery holds ALERT_RESOLVE_HOLD: the resolution comes exactly 2 min after it, once', async () => {
    const tl = await timeline(redis.url, DEFAULTS);
    await tl.send(probe('broke', 'firing'));
    await tl.at(t('00:30'));
    await tl.at(t('05:00'));
    await tl.send(probe('broke', 'resolved'));
    await tl.at(t('06:59'));
    expect(tl.received()).toHaveLength(1);
    await tl.at(t('07:00'));
    expect(tl.received()).toEqual([
      { at: t('00:30'), subject: '🚨 Faultline Alert: Billing Quota (acme)' },
      { at: t('07:00'), subject: '🚨 Faultline Alert: Resolved: Billing Quota (acme)' },
    ]);
    await tl.at(t('60:00'));
    expect(tl.received()).toHaveLength(2);
    await tl.close();
  });

  it('a model that fails again within the hold stays one open incident: no resolution, no second alert', async () => {
    const tl = await timeline(redis.url, DEFAULTS);
    await tl.send(probe('broke', 'firing'));
    await tl.at(t('05:00'));
    await tl.send(probe('broke', 'resolved'));
    await tl.at(t('06:00'));
    await tl.send(probe('broke', 'firing'));
    await tl.at(t('10:00'));
    expect(tl.received().map((r) => r.subject)).toEqual(['🚨 Faultline Alert: Billing Quota (acme)']);
    await tl.send(probe('broke', 'resolved'));
    await tl.at(t('12:00'));
    expect(tl.received()).toEqual([
      { at: t('00:30'), subject: '🚨 Faultline Alert: Billing Quota (acme)' },
      { at: t('12:00'), subject: '🚨 Faultline Alert: Resolved: Billing Quota (acme)' },
    ]);
    await tl.close();
  });

  it("a sibling's success never resolves a failing model's incident", async () => {
    const tl = await timeline(redis.url, DEFAULTS);
    await tl.send(probe('broke', 'firing'));
    await tl.at(t('01:00'));
    await tl.send(probe('works', 'resolved'));
    await tl.at(t('59:00'));
    expect(tl.received().map((r) => r.subject)).toEqual(['🚨 Faultline Alert: Billing Quota (acme)']);
    await tl.close();
  });

  it('a critical incident over before its group wait is one "Fired and resolved" mail, at the wait', async () => {
    const tl = await timeline(redis.url, DEFAULTS);
    await tl.send(probe('broke', 'firing'));
    await tl.at(t('00:10'));
    await tl.send(probe('broke', 'resolved'));
    await tl.at(t('30:00'));
    expect(tl.received()).toEqual([
      { at: t('00:30'), subject: '🚨 Faultline Alert: Fired and resolved: Billing Quota (acme)' },
    ]);
    await tl.close();
  });
});
