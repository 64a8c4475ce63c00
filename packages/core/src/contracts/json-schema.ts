import { z } from 'zod';
import { AlertEvent } from './alert-event.ts';
import { GenerationJob, GenerationResult } from './generation-job.ts';
import { WebhookPayload } from './webhook-payload.ts';

/** The contracts producers and webhook receivers in other languages build against, by file name. */
export const CONTRACT_SCHEMAS = {
  'generation-job': GenerationJob,
  'generation-result': GenerationResult,
  'alert-event': AlertEvent,
  webhook: WebhookPayload,
} as const;
export type ContractName = keyof typeof CONTRACT_SCHEMAS;

export function contractJsonSchema(name: ContractName): Record<string, unknown> {
  return z.toJSONSchema(CONTRACT_SCHEMAS[name], { io: 'input' }) as Record<string, unknown>;
}
