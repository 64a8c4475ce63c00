import type { BaseAdapter } from '@bull-board/api/baseAdapter';
import { redactDeep, redactSecrets } from '@faultline/core';

/** Shown in place of a prompt or completion while OPS_SHOW_PROMPTS is off. */
export const hiddenText = (text: string) =>
  `[hidden: ${text.length} characters; OPS_SHOW_PROMPTS=true shows prompts]`;

type Shown = Record<string, unknown>;
const isRecord = (v: unknown): v is Shown => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A job's data as the dashboard shows it: secrets redacted wherever they sit (metadata included), and
 * a generation job's prompt (`messages[].content`) hidden unless `showPrompts`.
 */
export function jobDataView(data: unknown, showPrompts: boolean): unknown {
  const shown = redactDeep(data);
  if (showPrompts || !isRecord(shown) || !Array.isArray(shown.messages)) return shown;
  return {
    ...shown,
    messages: shown.messages.map((m) =>
      isRecord(m) && typeof m.content === 'string' ? { ...m, content: hiddenText(m.content) } : m,
    ),
  };
}

/** A job's return value as the dashboard shows it: a generation result's completion is the prompt's answer. */
export function returnValueView(value: unknown, showPrompts: boolean): unknown {
  const shown = redactDeep(value);
  if (showPrompts || !isRecord(shown) || typeof shown.text !== 'string') return shown;
  return { ...shown, text: hiddenText(shown.text) };
}

interface ShownJob {
  failedReason?: string;
  stacktrace?: string[];
}

function redactFailure<J>(job: J): J {
  const j = job as ShownJob | undefined;
  if (j && typeof j.failedReason === 'string') j.failedReason = redactSecrets(j.failedReason);
  if (j && Array.isArray(j.stacktrace))
    j.stacktrace = j.stacktrace.map((line) => (typeof line === 'string' ? redactSecrets(line) : line));
  return job;
}

/**
 * bull-board shows jobs as Redis holds them (review S6): a generation job's data is the producer's
 * prompt and metadata, kept for days when it fails, and a failure reason quotes the provider. Its
 * per-queue formatters (`setFormatter`, @bull-board/api queueAdapters/base.js) cover data and return
 * values; the failure reason and stack trace are not formatted (handlers/queues.js `formatJob`), so
 * they are redacted on the jobs the adapter reads, which serve display and the job's own routes only.
 */
export function redactedJobs<A extends BaseAdapter>(adapter: A, opts: { showPrompts: boolean }): A {
  adapter.setFormatter('data', (data) => jobDataView(data, opts.showPrompts));
  adapter.setFormatter('returnValue', (value) => returnValueView(value, opts.showPrompts));
  const getJob = adapter.getJob.bind(adapter);
  const getJobs = adapter.getJobs.bind(adapter);
  adapter.getJob = async (id) => redactFailure(await getJob(id));
  adapter.getJobs = async (...args) => (await getJobs(...args)).map(redactFailure);
  return adapter;
}
