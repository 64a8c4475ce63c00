import type { RunSummary } from '@faultline/core';
import { EXIT, type ExitCode } from '../exit-codes.ts';

/**
 * A cron job acts on the most urgent problem first. A broken key (6) hides everything behind it,
 * including the billing state, so it wins over billing (5); both win over partial (1) or total (2)
 * failure. Jobs still unfinished at the timeout count as failed.
 */
export function generateExitCode(summary: RunSummary): ExitCode {
  const byCategory = summary.error_classification.by_category;
  if (byCategory.authentication) return EXIT.authentication;
  if (byCategory.billing_quota) return EXIT.billing;
  const failed = summary.failed + summary.pending;
  if (failed === 0) return EXIT.ok;
  return failed >= summary.total ? EXIT.allFailed : EXIT.someFailed;
}
