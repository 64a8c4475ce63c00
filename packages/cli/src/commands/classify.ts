import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { classifyError, classifyWithOperatorRules, explainClassification } from '@faultline/core';
import { type CorpusCase, loadCorpus, replayCase, startReplayEnv } from '@faultline/testkit';
import { createProgress } from '../progress.ts';
import { UsageError } from '../usage-error.ts';
import { formatExplanation } from './classify-explain.ts';
import { classifierRulesFromEnv, classifyUnknowns, unknownsUsage } from './classify-unknowns.ts';
import { formatAccuracyReport, type Scored } from './confusion-matrix.ts';

export const usage = `faultline classify --corpus FILE
      replays every case of a corpus (JSON lines, format of shared/corpus/README.md) through the real
      SDKs against local servers, then prints accuracy and a confusion matrix
  faultline classify --provider P (--status N [--body JSON] [--headers JSON] | --message TEXT) [--model M] [--gateway G] [--explain]
      classifies one response (--body: its JSON, or the text of an HTML or plain-text page) or one error
      text, and prints the ClassifiedError as JSON (FAULTLINE_CLASSIFIER_RULES first); --explain first
      prints the signals read (status, codes, types, classes, transport layers peeled, the unwrapped text)
      and the rule that decided, with its confidence
  ${unknownsUsage}`;

const JSON_EXAMPLES = {
  '--body': `'{"error":{"type":"insufficient_quota","message":"You exceeded your current quota"}}'`,
  '--headers': `'{"retry-after":"20"}'`,
};

function parseJsonArg(flag: keyof typeof JSON_EXAMPLES, raw: string | undefined): unknown {
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw);
  } catch (error) {
    // A body need not be JSON (HTML error pages and plain text arrive too), but one that opens as JSON must parse:
    // classifying half of it as text would hide the typo.
    if (flag === '--body' && !/^\s*[[{]/.test(raw)) return raw;
    throw new UsageError(
      `${flag} must be JSON (${(error as Error).message}), e.g. ${flag} ${JSON_EXAMPLES[flag]}`,
    );
  }
}

export async function classifyCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      corpus: { type: 'string' },
      provider: { type: 'string' },
      status: { type: 'string' },
      body: { type: 'string' },
      headers: { type: 'string' },
      message: { type: 'string' },
      model: { type: 'string' },
      gateway: { type: 'string' },
      misses: { type: 'boolean', default: true },
      explain: { type: 'boolean' },
      unknowns: { type: 'boolean' },
      json: { type: 'boolean' },
    },
    allowNegative: true,
  });
  if (values.unknowns) return classifyUnknowns({ json: values.json ?? false });
  const operatorRules = classifierRulesFromEnv();
  if (values.corpus) return classifyCorpus(values.corpus, values.misses ?? true);
  if (!values.provider)
    throw new UsageError('--provider is required (e.g. --provider openai), or give --corpus FILE');
  let input: unknown;
  if (values.status !== undefined) {
    const status = Number(values.status);
    if (!Number.isInteger(status) || status < 100 || status > 599) {
      throw new UsageError(`--status must be an HTTP status from 100 to 599, got "${values.status}"`);
    }
    input = {
      status,
      headers: parseJsonArg('--headers', values.headers) ?? {},
      body: parseJsonArg('--body', values.body) ?? null,
    };
  } else if (values.message !== undefined) {
    input = new Error(values.message);
  } else {
    throw new UsageError('give --status N (with --body/--headers) or --message TEXT');
  }
  const ctx = { provider: values.provider, model: values.model ?? null, gateway: values.gateway ?? null };
  const classified = classifyWithOperatorRules(input, ctx, operatorRules);
  if (values.explain) {
    const { signals, retryAfterMs } = explainClassification(input, ctx, { rules: operatorRules.for(ctx) });
    process.stdout.write(`${formatExplanation(signals, classified, retryAfterMs)}\n`);
  }
  process.stdout.write(`${JSON.stringify(classified, null, 2)}\n`);
  return 0;
}

function readCorpus(path: string): CorpusCase[] {
  if (!existsSync(path)) throw new UsageError(`--corpus ${path}: no such file`);
  try {
    return loadCorpus(path);
  } catch (error) {
    // loadCorpus names file:line and the bad field.
    throw new UsageError(`--corpus ${(error as Error).message}`);
  }
}

async function classifyCorpus(path: string, showMisses: boolean): Promise<number> {
  const cases = readCorpus(path);
  const env = await startReplayEnv();
  const results: (Scored & { id: string; reason: string })[] = [];
  const progress = createProgress('classifying', cases.length);
  try {
    for (const c of cases) {
      const { thrown, context } = await replayCase(c, env);
      const { category, reason } = classifyError(thrown, context);
      results.push({ id: c.id, expected: c.expected, got: category, reason });
      progress.update(results.length);
    }
  } finally {
    progress.finish(results.length);
    await env.close();
  }
  process.stdout.write(`${formatAccuracyReport(results)}\n`);
  const misses = results.filter((r) => r.expected !== r.got);
  if (showMisses && misses.length) {
    process.stdout.write(
      `\nmisses:\n${misses.map((m) => `  ${m.id}: expected ${m.expected}, got ${m.got} (${m.reason})`).join('\n')}\n`,
    );
  }
  return 0;
}
