import { UsageError } from '../usage-error.ts';

/** Each service's own entry point, run in this process so its signals and exit codes are the service's. */
const SERVICES: Record<string, () => Promise<unknown>> = {
  generation: () => import('@faultline/generation-worker/main'),
  alerter: () => import('@faultline/alerter-worker/main'),
  'health-probe': () => import('@faultline/health-probe-worker/main'),
  ops: () => import('@faultline/ops/main'),
};

export const usage = `faultline worker <${Object.keys(SERVICES).join('|')}>
      runs one service in the foreground (settings from the environment and .env); Ctrl-C stops it cleanly`;

export async function workerCommand(argv: string[]): Promise<number> {
  const name = argv[0];
  const start = name ? SERVICES[name] : undefined;
  if (!start) throw new UsageError(`name a service: ${Object.keys(SERVICES).join(', ')}`);
  await start();
  // The service keeps the process alive and exits on its own (SIGTERM/SIGINT → exit 0).
  return new Promise<number>(() => {});
}
