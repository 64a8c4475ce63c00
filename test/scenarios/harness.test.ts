import { afterAll, describe, expect, it } from 'vitest';
import { PROBE_INTERVAL_MS, type Scenario, SUBJECT_PREFIX, startScenario } from './support.ts';

/**
 * The scenarios' harness itself, with nothing failing: if this fails, the scenario failures say
 * nothing about the alerting contract.
 */
describe('scenario harness', () => {
  let sys: Scenario | undefined;
  afterAll(async () => {
    await sys?.stop();
  }, 90_000);

  it('runs faultline start with probes through the real SDK, delivers mail over SMTP, answers generate, and stops leaving nothing behind', async () => {
    sys = await startScenario({
      name: 'harness',
      models: [{ id: 'steady', priority: 'critical' }, { id: 'steady-too' }],
    });
    // The probes reach the simulator through the SDK, with the key, about once per interval.
    const probes = () => sys!.sim.requests('steady').filter((r) => r.path.endsWith('/chat/completions'));
    const before = probes().length;
    await new Promise((r) => setTimeout(r, 3 * PROBE_INTERVAL_MS));
    expect(probes().length - before).toBeGreaterThanOrEqual(2);
    expect(probes().every((r) => r.authorized)).toBe(true);

    const alert = await sys.cli(['test-alert']);
    expect(alert.code, alert.output).toBe(0);
    // The test alert's subject is marked as a test (`TEST: ` before the title) where the alerter does so.
    const isTestAlert = (m: { subject: string }) =>
      m.subject.startsWith(`${SUBJECT_PREFIX}: `) && m.subject.endsWith('Billing Quota (openai)');
    const mail = await sys.waitForMail(isTestAlert, 10_000);
    expect(mail.to).toContain('oncall@example.com');
    expect(mail.text).toMatch(/ALERT: BILLING_QUOTA$/m);
    expect(mail.text).toMatch(/^Source: test$/m);

    const run = await sys.generate(['--provider', 'acme', '--model', 'steady', '--count', '3']);
    expect(run.code, run.output).toBe(0);

    // Healthy models make no mail: only the test alert arrived.
    await sys.expectNoMoreMail(4_000, 'healthy models send nothing');
    expect(sys.mails().map((m) => m.subject)).toEqual([mail.subject]);
    for (const id of ['steady', 'steady-too']) {
      const h = await sys.modelHealth(id);
      expect(h.status).toBe('healthy');
      expect(h.circuit_breaker_state).toBe('closed');
    }

    const stopped = await sys.stop();
    expect(stopped.startExitCode).toBe(0);
  }, 120_000);
});
