import { describe, it } from 'vitest';
import { optionsFor, SCENARIO_TIMEOUT_MS, scenarios, useScenario } from './support.ts';

describe('scenario: a model is decommissioned beside a working one', () => {
  const sys = useScenario(optionsFor('modelDecommissioned'));
  it(
    'mails Model Error (acme) once naming old-model (Sentry off), then Resolved once when it answers again',
    () => scenarios.modelDecommissioned.run(sys()),
    SCENARIO_TIMEOUT_MS,
  );
});
