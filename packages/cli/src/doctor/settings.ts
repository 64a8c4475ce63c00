import { AlerterConfig } from '@faultline/alerter-worker/config';
import { GenerationConfig } from '@faultline/generation-worker/config';
import { HealthProbeConfig } from '@faultline/health-probe-worker/config';
import { OpsConfig } from '@faultline/ops/config';
import { ConfigError, loadConfig } from '@faultline/runtime';
import { type CheckLine, fail, ok } from './check.ts';

/** Each service's settings, or undefined where they do not parse (the settings line says why). */
export interface Settings {
  alerter?: AlerterConfig;
  probe?: HealthProbeConfig;
  ops?: OpsConfig;
  line: CheckLine;
}

export const SKIPPED_FOR_SETTINGS = 'not checked: fix the settings above first';

/** Every service's settings, as `faultline start` checks them: all bad values on one line. */
export function readSettings(env: NodeJS.ProcessEnv): Settings {
  const problems = new Map<string, string>();
  const parse = <T>(load: () => T): T | undefined => {
    try {
      return load();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      for (const p of error.problems) problems.set(`${p.variable}: ${p.message}`, '');
      return undefined;
    }
  };
  const alerter = parse(() => loadConfig(AlerterConfig, env));
  const probe = parse(() => loadConfig(HealthProbeConfig, env));
  const ops = parse(() => loadConfig(OpsConfig, env));
  parse(() => loadConfig(GenerationConfig, env));
  const line = problems.size
    ? fail('settings', `${[...problems.keys()].join('; ')} (in the environment or .env)`)
    : ok('settings', "every service's settings are valid");
  return { alerter, probe, ops, line };
}
