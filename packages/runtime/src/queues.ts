/** Queue and job names are a contract with producers in other languages: one place for them. */
export const QUEUES = {
  generation: 'generation',
  alerts: 'alerts',
  alertDeliveries: 'alert-deliveries',
  healthProbes: 'health-probes',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export const JOB_NAMES = {
  generate: 'generate',
  alert: 'alert',
  probe: 'probe',
} as const;
