import { createHash } from 'node:crypto';
import type { RedisKeys } from '@faultline/client';
import { luaScript } from '@faultline/client';
import { type ClassifiedError, type Confidence, OPERATOR_RULE_PREFIX, redactSecrets } from '@faultline/core';
import type { Redis } from 'ioredis';

/**
 * Errors the classifier could not place, counted per signature so that an operator sees what to teach
 * it (FAULTLINE_CLASSIFIER_RULES): `faultline classify --unknowns`, GET /api/classifier/unknowns.
 */

/** Enough for every distinct unknown a deployment meets in a month; a flood of new ones evicts the stalest. */
export const UNKNOWN_SIGNATURES_CAP = 1000;
export const UNKNOWN_SIGNATURE_TTL_MS = 30 * 86_400_000;
const MAX_SHAPE = 160;
const MAX_SAMPLE = 300;

// The classifier's words for a verdict that rests on the status alone or on nothing (issue 15, req. 3).
const LOW_CONFIDENCE: ReadonlySet<Confidence> = new Set(['status_only', 'fallback']);

/** Whether this verdict is one an operator should look at: unknown, or decided by the status alone. */
export function needsTeaching(c: ClassifiedError): boolean {
  // Taught already, whatever the operator made it.
  if (c.rule?.startsWith(OPERATOR_RULE_PREFIX)) return false;
  // The caller gave up (its own AbortSignal): nothing the provider said to learn from.
  if (c.category === 'unknown') return c.reason !== 'aborted';
  return c.confidence !== undefined && LOW_CONFIDENCE.has(c.confidence);
}

const LINK = /\bhttps?:\/\/\S+/g;
const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g;
const DOUBLE_QUOTED = /"[^"\n]{0,200}"|`[^`\n]{0,200}`/g;
// Only a quote that opens after a space or bracket and closes before one: "doesn't … isn't" is no value.
const SINGLE_QUOTED = /(^|[\s([{=:,])'[^'\n]{0,200}'(?=$|[\s)\]},.;:?!])/g;
const TOKEN_WITH_DIGIT = /[\w.-]*\d[\w.-]*/g;
// A number, with a unit if it has one: 429, 1.5s, 200ms, 32k, 80%.
const NUMBER = /^-?\d[\d.,_]*(?:[a-z]{1,3}|%)?$/;

/**
 * A message with what varies between occurrences of one error taken out: URLs, ids, quoted values and
 * numbers. "Wallet W-88213 is empty (request 'req_9f')" and "Wallet W-10442 is empty (request 'req_a1')"
 * share `wallet <id> is empty (request '…')`.
 */
export function messageShape(message: string): string {
  return redactSecrets(message)
    .toLowerCase()
    .replace(LINK, '<url>')
    .replace(UUID, '<id>')
    .replace(DOUBLE_QUOTED, '"…"')
    .replace(SINGLE_QUOTED, "$1'…'")
    .replace(TOKEN_WITH_DIGIT, (token) => (NUMBER.test(token) ? '<n>' : '<id>'))
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, MAX_SHAPE);
}

export interface UnknownSignature {
  /** A short hash of the four parts below. */
  id: string;
  provider: string;
  status: number | null;
  /** The provider's code or type, as the classifier reports it. */
  code: string | null;
  shape: string;
}

export function unknownSignature(c: ClassifiedError): UnknownSignature {
  const parts = {
    provider: c.provider,
    status: c.statusCode,
    code: c.providerCode ? c.providerCode.toLowerCase() : null,
    shape: messageShape(c.message),
  };
  const id = createHash('sha1')
    .update(JSON.stringify([parts.provider, parts.status, parts.code, parts.shape]))
    .digest('hex')
    .slice(0, 16);
  return { id, ...parts };
}

export interface UnknownSignatureRow extends UnknownSignature {
  count: number;
  firstSeen: string;
  lastSeen: string;
  /** The classifier's latest verdict for it (unknown, or a low-confidence one) and how sure it was. */
  category: string;
  reason: string;
  confidence: Confidence | null;
  /** The latest message of this signature, secrets redacted. */
  sample: string;
}

const COUNT = luaScript<
  'index' | 'details',
  'signature' | 'now' | 'about' | 'sample' | 'cap' | 'ttl',
  number
>(
  new URL('./scripts/count-unknown.lua', import.meta.url),
  ['index', 'details'],
  ['signature', 'now', 'about', 'sample', 'cap', 'ttl'],
);

const iso = (ms: string | null) => new Date(Number(ms) || 0).toISOString();

export function unknownSignatures(
  redis: Redis,
  keys: Pick<RedisKeys, 'unknownSignatures' | 'unknownSignatureDetails'>,
  limits: { cap?: number; ttlMs?: number } = {},
) {
  const cap = limits.cap ?? UNKNOWN_SIGNATURES_CAP;
  const ttl = limits.ttlMs ?? UNKNOWN_SIGNATURE_TTL_MS;
  const redisKeys = { index: keys.unknownSignatures(), details: keys.unknownSignatureDetails() };
  return {
    /** Counts one classified error under its signature; returns its count so far. */
    async record(c: ClassifiedError, now = Date.now()): Promise<number> {
      const sig = unknownSignature(c);
      const about = {
        provider: sig.provider,
        status: sig.status,
        code: sig.code,
        shape: sig.shape,
        category: c.category,
        reason: c.reason,
        confidence: c.confidence ?? null,
      };
      return COUNT.run(redis, redisKeys, {
        signature: sig.id,
        now,
        about: JSON.stringify(about),
        sample: redactSecrets(c.message).slice(0, MAX_SAMPLE),
        cap,
        ttl,
      });
    },

    /** The signatures kept, the most frequent first (then the most recent). */
    async list(limit = cap): Promise<UnknownSignatureRow[]> {
      const flat = await redis.zrevrange(redisKeys.index, 0, cap - 1, 'WITHSCORES');
      if (!flat.length) return [];
      const ids: string[] = [];
      for (let i = 0; i < flat.length; i += 2) ids.push(flat[i]!);
      const fields = ids.flatMap((id) => [`${id}:n`, `${id}:first`, `${id}:about`, `${id}:sample`]);
      const values = await redis.hmget(redisKeys.details, ...fields);
      const rows: UnknownSignatureRow[] = [];
      ids.forEach((id, i) => {
        const [n, first, about, sample] = values.slice(i * 4, i * 4 + 4);
        // Forgotten between the two reads (evicted by a concurrent count).
        if (!n || !about) return;
        rows.push({
          id,
          ...(JSON.parse(about) as Omit<
            UnknownSignatureRow,
            'id' | 'count' | 'firstSeen' | 'lastSeen' | 'sample'
          >),
          count: Number(n),
          firstSeen: iso(first ?? null),
          lastSeen: iso(flat[i * 2 + 1] ?? null),
          sample: sample ?? '',
        });
      });
      rows.sort((a, b) => b.count - a.count || b.lastSeen.localeCompare(a.lastSeen));
      return rows.slice(0, limit);
    },
  };
}
export type UnknownSignatures = ReturnType<typeof unknownSignatures>;
