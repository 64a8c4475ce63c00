/**
 * Queue and job names, the prefix and the backoff type are a contract with producers in other
 * languages: one place for them.
 */

/**
 * QUEUE_PREFIX when unset: queues and every key (keys.ts) start with it, and its hash tag keeps them
 * in one Redis Cluster slot.
 */
export const DEFAULT_QUEUE_PREFIX = '{faultline}';

export const QUEUES = {
  generation: 'generation',
  alerts: 'alerts',
  alertDeliveries: 'alert-deliveries',
  /** The alerter's own timers: group-wait flushes, repeat notifications, quiet-period resolution. */
  alertGroups: 'alert-groups',
  healthProbes: 'health-probes',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export const JOB_NAMES = {
  generate: 'generate',
  alert: 'alert',
  flush: 'flush',
  /** A group's recovery held for ALERT_RESOLVE_HOLD: close it unless it fired again. */
  settle: 'settle',
  quietSweep: 'quiet-sweep',
  capSummary: 'cap-summary',
  deliver: 'deliver',
  probe: 'probe',
} as const;

/**
 * The `backoff.type` a producer sets on a generation job for classification-aware retries (the
 * generation worker's backoff strategy): retry-after honoured, no retry where one cannot help.
 */
export const BACKOFF_TYPE = 'faultline';
