/** Queue and job names are a contract with producers in other languages: one place for them. */
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
