import type { AlertEvent, Notification } from '@faultline/core';

/** The example alert: an OpenAI quota failure, as tests of what people read compare it. */
export const quotaEvent: AlertEvent = {
  id: 'gen-1-1',
  occurredAt: '2025-11-17T10:30:00.000Z',
  source: 'generation',
  operation: 'chat.completion',
  state: 'firing',
  category: 'billing_quota',
  severity: 'CRITICAL',
  isRetryable: false,
  provider: 'openai',
  model: 'gpt-4o-mini',
  gateway: null,
  statusCode: 429,
  providerCode: 'insufficient_quota',
  reason: 'insufficient_quota',
  retryAfterMs: null,
  requestId: null,
  originalError: 'InsufficientQuotaError',
  message: 'You exceeded your current quota',
  recommendedActions: ['Check your openai account balance', 'Add funds or raise the quota'],
};

/** Its group's first notification: 12 events in the group wait, 11 of them suppressed. */
export const quotaNotification: Notification = {
  id: 'abc-1-1',
  kind: 'firing',
  fingerprint: 'abc',
  event: quotaEvent,
  occurrences: 12,
  suppressed: 11,
  totalEvents: 12,
  firstSeen: '2025-11-17T10:30:00.000Z',
  lastSeen: '2025-11-17T10:30:09.000Z',
  notify: true,
};
