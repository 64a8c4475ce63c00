import { describe, it } from 'vitest';
import { optionsFor, SCENARIO_TIMEOUT_MS, scenarios, useScenario } from './support.ts';

describe('scenario: the key runs out of credit', () => {
  const sys = useScenario(optionsFor('keyCreditExhausted'));
  it(
    'mails Billing Quota (acme) once naming both models, then Resolved once when both answer again',
    () => scenarios.keyCreditExhausted.run(sys()),
    SCENARIO_TIMEOUT_MS,
  );
});
