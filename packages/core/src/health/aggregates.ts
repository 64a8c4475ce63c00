import type { ModelHealth } from './model-health.ts';

/** Every watched model of a provider is failing: one provider outage, not one alert per model. */
export function isProviderOutage(models: ModelHealth[]): boolean {
  return models.length > 0 && models.every((m) => m.consecutiveFailures > 0 || m.breaker === 'open');
}

/** A provider's models taken together, for the events that speak for all of them. */
export interface ProviderHealth {
  modelsTotal: number;
  modelsFailing: number;
  breakersOpen: number;
  errorCount: number;
  /** Pooled over every model's window, so a model probed more often weighs more; 1 with no samples. */
  successRate: number;
  lastFailure: number | null;
}

export function providerHealth(models: ModelHealth[]): ProviderHealth {
  const samples = models.reduce((n, m) => n + m.window.length, 0);
  const successes = models.reduce((n, m) => n + m.window.reduce((k, w) => k + w.ok, 0), 0);
  const failures = models.map((m) => m.lastFailure).filter((t): t is number => t !== null);
  return {
    modelsTotal: models.length,
    modelsFailing: models.filter((m) => m.consecutiveFailures > 0 || m.breaker === 'open').length,
    breakersOpen: models.filter((m) => m.breaker === 'open').length,
    errorCount: models.reduce((n, m) => n + m.errorCount, 0),
    successRate: samples ? successes / samples : 1,
    lastFailure: failures.length ? Math.max(...failures) : null,
  };
}
