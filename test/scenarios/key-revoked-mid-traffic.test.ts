import { describe, it } from 'vitest';
import { optionsFor, SCENARIO_TIMEOUT_MS, scenarios, useScenario } from './support.ts';

describe('scenario: the key is revoked while traffic flows', () => {
  const sys = useScenario(optionsFor('keyRevokedMidTraffic'));
  it(
    'mails Authentication (acme) once although probes and traffic both fail; generate exits 6',
    () => scenarios.keyRevokedMidTraffic.run(sys()),
    SCENARIO_TIMEOUT_MS,
  );
});
