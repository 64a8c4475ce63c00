import { createReporter, type InstrumentOptions, type Reporter, type ReportOptions } from './reporter.ts';

let shared: Reporter | undefined;

/**
 * The reporter the module-level `instrument` and `report` use, made on first use from the
 * environment: REDIS_URL (redis://127.0.0.1:6379 when unset), QUEUE_PREFIX and
 * FAULTLINE_CLASSIFIER_RULES (JSON). Warnings go to console.warn.
 */
export function defaultReporter(): Reporter {
  shared ??= createReporter();
  return shared;
}

/** `client`, every call of it reported to Faultline by the default reporter. */
export function instrument<T extends object>(client: T, options: InstrumentOptions): T {
  return defaultReporter().instrument(client, options);
}

/** Reports an error the app caught (an SDK error, `{ status, body, headers }`, any Error); never throws. */
export function report(error: unknown, options: ReportOptions) {
  try {
    return defaultReporter().report(error, options);
  } catch (failure) {
    console.warn(`faultline reporter: ${(failure as Error).message}`);
    return null;
  }
}

/** Flushes and closes the default reporter, if one was made. */
export async function closeDefaultReporter(timeoutMs?: number): Promise<void> {
  const r = shared;
  shared = undefined;
  await r?.close(timeoutMs);
}
