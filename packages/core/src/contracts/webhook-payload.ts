import { z } from 'zod';
import { AlertEvent } from './alert-event.ts';

/**
 * The version every webhook body carries. It rises when a field changes meaning or goes away; a new
 * optional field keeps it, so receivers ignore fields they do not know.
 */
export const WEBHOOK_PAYLOAD_VERSION = 1;

const count = z.number().int().nonnegative();

/** The JSON body Faultline POSTs to each WEBHOOK_URLS receiver: one notification of an alert group. */
export const WebhookPayload = z
  .object({
    version: z
      .literal(WEBHOOK_PAYLOAD_VERSION)
      .describe('Version of this payload; fields may be added within a version, never removed or changed.'),
    kind: z
      .enum(['firing', 'repeat', 'resolved', 'summary'])
      .describe(
        "firing: a group's first notification; repeat: it is still failing; resolved: it ended; summary: what the hourly cap (ALERT_MAX_PER_HOUR) held back.",
      ),
    id: z
      .string()
      .min(1)
      .describe('The notification id, also sent as X-Faultline-Notification: a receiver deduplicates by it.'),
    fingerprint: z
      .string()
      .min(1)
      .describe("The alert group's id: every notification of one group shares it."),
    occurrences: count.describe('Events this notification covers, since the previous one of its group.'),
    suppressed: count.describe('Of those, the events that were not sent on their own.'),
    firstSeen: z.iso.datetime().describe("The group's first event."),
    lastSeen: z.iso.datetime().describe("The group's latest event."),
    durationMs: z.number().nonnegative().optional().describe('For resolved: how long the group was open.'),
    heldUnderIncident: count
      .optional()
      .describe('For a provider incident: single-model alerts kept from people under it.'),
    heldBack: z
      .object({ count, titles: z.array(z.string()) })
      .optional()
      .describe('For summary: how many notifications the cap held back, and their subjects.'),
    event: AlertEvent.describe("The group's first event, as the producer published it."),
  })
  .describe(
    'Faultline webhook body (POST, application/json). Headers: X-Faultline-Timestamp (Unix seconds), ' +
      'X-Faultline-Notification (the id), and with WEBHOOK_SECRET X-Faultline-Signature: ' +
      'sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">. Reject a body whose signature does not match or ' +
      'whose timestamp is more than 300 s from your clock, and deduplicate by id: a delivery that timed out ' +
      'or was answered 429 or 5xx is sent again.',
  );
export type WebhookPayload = z.output<typeof WebhookPayload>;
