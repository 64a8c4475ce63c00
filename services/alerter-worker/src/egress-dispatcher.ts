import { createRequire } from 'node:module';
import { egressAgentOptions, egressFromEnv, proxied } from '@faultline/runtime';
import type { Dispatcher } from 'undici';

// undici (about 12 MiB resident) is loaded when a webhook, Slack or watchdog sender is made, not with
// the alerter: most run without one (bench/runtime.ts). require keeps the set-up synchronous, so a
// bad setting still stops start-up.
const require = createRequire(import.meta.url);
export const undici = () => require('undici') as typeof import('undici');

/**
 * HTTPS_PROXY, NO_PROXY and FAULTLINE_CA_FILE as provider calls honour them (runtime egress.ts);
 * FAULTLINE_TRANSPORT=fetch leaves undici's global dispatcher, as before.
 */
export function egressDispatcher(): Dispatcher | undefined {
  const egress = egressFromEnv(process.env);
  if (egress.transport === 'fetch') return undefined;
  const opts = egressAgentOptions(egress);
  const { Agent, EnvHttpProxyAgent } = undici();
  return proxied(egress) ? new EnvHttpProxyAgent(opts) : new Agent(opts);
}
