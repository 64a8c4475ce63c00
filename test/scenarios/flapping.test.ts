import { describe, it } from 'vitest';
import { optionsFor, SCENARIO_TIMEOUT_MS, scenarios, useScenario } from './support.ts';

describe('scenario: models failing every other probe', () => {
  const sys = useScenario(optionsFor('flapping'));
  it(
    'mails one Flapping: Billing Quota (acme) and one Flapping: Server Error (acme) with their counts, and nothing more while they keep flapping',
    () => scenarios.flapping.run(sys()),
    SCENARIO_TIMEOUT_MS,
  );
});

describe('scenario: a critical incident that fails once and recovers before its first mail', () => {
  const sys = useScenario(optionsFor('firedAndResolved'));
  it(
    'mails one Fired and resolved: Billing Quota (acme), and nothing after it',
    () => scenarios.firedAndResolved.run(sys()),
    SCENARIO_TIMEOUT_MS,
  );
});
