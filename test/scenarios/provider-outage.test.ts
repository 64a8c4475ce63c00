import { describe, it } from 'vitest';
import { optionsFor, SCENARIO_TIMEOUT_MS, scenarios, useScenario } from './support.ts';

describe('scenario: the provider is down', () => {
  const sys = useScenario(optionsFor('providerOutage'));
  it(
    'mails Server Error (acme) once for the outage of every model, then Resolved once',
    () => scenarios.providerOutage.run(sys()),
    SCENARIO_TIMEOUT_MS,
  );
});
