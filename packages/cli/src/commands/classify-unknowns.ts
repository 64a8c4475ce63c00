import type { OperatorRules } from '@faultline/core';
import {
  assertRedisReachable,
  BaseConfig,
  createRedis,
  loadClassifierRules,
  loadConfig,
  redisKeys,
  type UnknownSignatureRow,
  unknownSignatures,
} from '@faultline/runtime';

export const unknownsUsage = `faultline classify --unknowns [--json]
      lists the errors the classifier could not place (unknown, or decided by the status alone), counted
      per signature by the workers: count, first and last seen, a redacted sample; teach it with
      FAULTLINE_CLASSIFIER_RULES`;

/** The operator's rules, read and checked before `faultline classify` classifies anything (exit 3 if bad). */
export const classifierRulesFromEnv = (env: NodeJS.ProcessEnv = process.env): OperatorRules =>
  loadClassifierRules(env.FAULTLINE_CLASSIFIER_RULES);

const when = (iso: string) => iso.replace(/\.\d{3}Z$/, 'Z');
const cut = (text: string, width: number) => (text.length > width ? `${text.slice(0, width - 1)}…` : text);

const COLUMNS: [title: string, width: number, value: (r: UnknownSignatureRow) => string][] = [
  ['PROVIDER', 16, (r) => r.provider],
  ['STATUS', 7, (r) => (r.status === null ? '-' : String(r.status))],
  ['CODE', 24, (r) => r.code ?? '-'],
  // A low-confidence verdict says what it rests on; an unknown one rests on nothing.
  [
    'VERDICT',
    31,
    (r) => (r.category === 'unknown' || !r.confidence ? r.category : `${r.category} (${r.confidence})`),
  ],
  ['FIRST SEEN', 21, (r) => when(r.firstSeen)],
  ['LAST SEEN', 21, (r) => when(r.lastSeen)],
];
const SAMPLE_WIDTH = 80;

/** The table `faultline classify --unknowns` prints: aligned columns, the most frequent first. */
export function formatUnknowns(rows: readonly UnknownSignatureRow[]): string {
  if (!rows.length)
    return 'no unknown errors counted (the generation workers count them as they meet them)\n';
  const countWidth = Math.max(5, ...rows.map((r) => String(r.count).length));
  const header = `${'COUNT'.padStart(countWidth)}  ${COLUMNS.map(([t, w]) => t.padEnd(w)).join('')}SAMPLE`;
  const lines = rows.map(
    (r) =>
      `${String(r.count).padStart(countWidth)}  ${COLUMNS.map(([, w, v]) => cut(v(r), w - 1).padEnd(w)).join('')}${cut(r.sample.replace(/\s+/g, ' '), SAMPLE_WIDTH)}`,
  );
  return `${[header, ...lines].join('\n')}\n\nteach the classifier these with FAULTLINE_CLASSIFIER_RULES (README: Teach the classifier)\n`;
}

export async function classifyUnknowns(opts: { json: boolean }): Promise<number> {
  const cfg = loadConfig(BaseConfig);
  await assertRedisReachable(cfg.REDIS_URL);
  const redis = createRedis(cfg.REDIS_URL);
  try {
    const rows = await unknownSignatures(redis, redisKeys(cfg.QUEUE_PREFIX)).list();
    process.stdout.write(opts.json ? `${JSON.stringify(rows, null, 2)}\n` : formatUnknowns(rows));
    return 0;
  } finally {
    redis.disconnect();
  }
}
