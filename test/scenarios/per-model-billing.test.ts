import { describe, it } from 'vitest';
import { optionsFor, SCENARIO_TIMEOUT_MS, scenarios, useScenario } from './support.ts';

describe('scenario: one model of the key out of quota beside a working one', () => {
  const sys = useScenario(optionsFor('perModelBilling'));
  it(
    'mails Billing Quota (acme) once naming broke-model, never resolves it by the sibling, keeps good-model healthy; generate exits 0 on good-model and 5 on broke-model',
    () => scenarios.perModelBilling.run(sys()),
    SCENARIO_TIMEOUT_MS,
  );
});
