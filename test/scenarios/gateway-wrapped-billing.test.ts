import { describe, it } from 'vitest';
import { optionsFor, SCENARIO_TIMEOUT_MS, scenarios, useScenario } from './support.ts';

describe('scenario: a gateway relays the upstream billing errors', () => {
  const sys = useScenario(optionsFor('gatewayWrappedBilling'));
  it(
    'mails Billing Quota (gw) once for both wrapped formats; generate exits 5',
    () => scenarios.gatewayWrappedBilling.run(sys()),
    SCENARIO_TIMEOUT_MS,
  );
});
