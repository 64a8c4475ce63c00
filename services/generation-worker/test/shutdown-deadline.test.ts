import { shutdownDeadlineMs } from '@faultline/runtime';
import { describe, expect, it } from 'vitest';
import { runProcess, until } from './support.ts';

describe('a stopping process is cut off only after its SHUTDOWN_GRACE, plus a margin', () => {
  it.each([
    ['unset: the default 30 s grace', undefined, 35_000],
    ['30s', '30s', 35_000],
    // Above the 60 s that used to be hard-wired: the grace is honoured.
    ['90s', '90s', 95_000],
    ['5m', '5m', 305_000],
    ['unreadable: the default', 'soon', 35_000],
    // However long the grace, a hung close is cut off within an hour.
    ['5h: bounded', '5h', 3_600_000],
  ])('SHUTDOWN_GRACE %s', (_name, grace, deadline) => {
    expect(shutdownDeadlineMs(grace === undefined ? {} : { SHUTDOWN_GRACE: grace })).toBe(deadline);
  });

  it('a close that hangs ends the process with exit 1 once grace and margin are over', async () => {
    const proc = runProcess(['services/generation-worker/test/fixtures/hanging-service.ts'], {
      SHUTDOWN_GRACE: '200ms',
    });
    await until('the service to be ready', async () => proc.output().includes('hanging service ready'));
    const stoppedAt = Date.now();
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(1);
    // Not before the grace and margin: the timer starts when the signal arrives, after stoppedAt.
    expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(shutdownDeadlineMs({ SHUTDOWN_GRACE: '200ms' }));
  });
});
