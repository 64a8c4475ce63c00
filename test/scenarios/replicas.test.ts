import { describe, it } from 'vitest';
import { optionsFor, SCENARIO_TIMEOUT_MS, scenarios, useScenario } from './support.ts';

/** 3 alerters and 2 health-probe workers: `faultline start` runs one of each, these the rest. */
const REPLICAS = { alerters: 2, healthProbes: 1 };

describe('scenarios with 3 alerter replicas and 2 health-probe replicas: the same mails, once each', () => {
  describe('one model of the key out of quota beside a working one', () => {
    const sys = useScenario(optionsFor('perModelBilling', REPLICAS));
    it(
      'mails Billing Quota (acme) once; good-model stays healthy',
      () => scenarios.perModelBilling.run(sys()),
      SCENARIO_TIMEOUT_MS,
    );
  });

  describe('the key runs out of credit', () => {
    const sys = useScenario(optionsFor('keyCreditExhausted', REPLICAS));
    it(
      'mails Billing Quota (acme) once, then Resolved once',
      () => scenarios.keyCreditExhausted.run(sys()),
      SCENARIO_TIMEOUT_MS,
    );
  });

  describe('a key failing every other probe', () => {
    const sys = useScenario(optionsFor('flapping', REPLICAS));
    it('mails one Flapping mail', () => scenarios.flapping.run(sys()), SCENARIO_TIMEOUT_MS);
  });

  describe('a critical incident that fails once and recovers before its first mail', () => {
    const sys = useScenario(optionsFor('firedAndResolved', REPLICAS));
    it('mails one Fired and resolved mail', () => scenarios.firedAndResolved.run(sys()), SCENARIO_TIMEOUT_MS);
  });

  describe('the key revoked while traffic flows', () => {
    const sys = useScenario(optionsFor('keyRevokedMidTraffic', REPLICAS));
    it(
      'mails Authentication (acme) once',
      () => scenarios.keyRevokedMidTraffic.run(sys()),
      SCENARIO_TIMEOUT_MS,
    );
  });

  describe('a model decommissioned, then back', () => {
    const sys = useScenario(optionsFor('modelDecommissioned', REPLICAS));
    it(
      'mails Model Error (acme) once, then Resolved once',
      () => scenarios.modelDecommissioned.run(sys()),
      SCENARIO_TIMEOUT_MS,
    );
  });

  describe('every model of the provider down, then back', () => {
    const sys = useScenario(optionsFor('providerOutage', REPLICAS));
    it(
      'mails Server Error (acme) once, then Resolved once',
      () => scenarios.providerOutage.run(sys()),
      SCENARIO_TIMEOUT_MS,
    );
  });

  describe('a gateway wrapping an upstream billing error', () => {
    const sys = useScenario(optionsFor('gatewayWrappedBilling', REPLICAS));
    it(
      'mails Billing Quota (gw) once',
      () => scenarios.gatewayWrappedBilling.run(sys()),
      SCENARIO_TIMEOUT_MS,
    );
  });
});
