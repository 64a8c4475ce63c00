import type { HealthStatus } from './status.ts';

/**
 * Shares behind the top-level status. A fleet of 100 models with two down and three slow is
 * working for its users (the issue's own example reads "healthy"); one `critical` model down, or
 * half the fleet, is not.
 */
export const OVERALL_STATUS_RULE = {
  /** At least this share of models unhealthy makes the whole unhealthy. */
  unhealthyShare: 0.5,
  /** More than this share of models not healthy (degraded or unhealthy) makes the whole degraded. */
  notHealthyShare: 0.05,
} as const;

/**
 * The status of many models at once (the fleet, or one provider):
 * - unhealthy: a `critical` model is unhealthy, or at least half the models are;
 * - degraded: a `critical` model is degraded, or more than 5 % of the models are not healthy;
 * - healthy otherwise (including no models at all).
 */
export function overallStatus(models: readonly { status: HealthStatus; priority: string }[]): HealthStatus {
  const total = models.length;
  if (!total) return 'healthy';
  const critical = models.filter((m) => m.priority === 'critical');
  const unhealthy = models.filter((m) => m.status === 'unhealthy').length;
  const notHealthy = models.filter((m) => m.status !== 'healthy').length;
  if (
    critical.some((m) => m.status === 'unhealthy') ||
    unhealthy / total >= OVERALL_STATUS_RULE.unhealthyShare
  )
    return 'unhealthy';
  if (
    critical.some((m) => m.status === 'degraded') ||
    notHealthy / total > OVERALL_STATUS_RULE.notHealthyShare
  )
    return 'degraded';
  return 'healthy';
}
