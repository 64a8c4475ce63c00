import type { ModelHealth } from './breaker.ts';

/** Every watched model of a provider is failing: one provider outage, not one alert per model. */
export function isProviderOutage(models: ModelHealth[]): boolean {
  return models.length > 0 && models.every((m) => m.consecutiveFailures > 0 || m.breaker === 'open');
}
