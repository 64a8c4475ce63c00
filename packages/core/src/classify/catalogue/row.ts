import type { Category } from '../../taxonomy.ts';
import type { Reason } from '../reasons.ts';

/**
 * How a row may be used. `code`: the provider's code or type names the cause by itself, whatever the
 * words (`insufficient_quota`, `Arrearage`, Zhipu `1113`): the catalogue rule decides on it. `class`: a
 * broad type or google.rpc status that the words refine (Anthropic `invalid_request_error` also carries
 * the credit-balance error): the text rules decide, and the row states the documented default.
 * `status`: the doc names only an HTTP status; the status fallbacks of the other rules apply it.
 */
export type RowKind = 'code' | 'class' | 'status';

/** One documented error of one provider, with the Faultline category its meaning falls under. */
export interface CatalogueRow {
  /** The HTTP status the doc gives with this error. */
  status?: number;
  /** `error.code`, a google.rpc ErrorInfo `reason`, a numeric business code: exactly as sent. */
  code?: string;
  /** `error.type`, a google.rpc `status`, an AWS exception name: exactly as sent. */
  type?: string;
  /** The documented wording, where the doc gives one and a `class` or `status` row needs it. */
  message?: string;
  /** The provider's meaning, shortly. */
  meaning: string;
  category: Category;
  reason: Reason;
  /** Whether the doc says a retry of the same request can succeed; unset where it is silent. */
  retryable?: boolean;
  kind: RowKind;
  /** What tells this error from another with the same code or status, where something must. */
  disambiguation?: string;
  /** The provider's documentation page this row comes from. */
  url: string;
}

/** A provider's or gateway's documented errors. */
export interface ProviderCatalogue {
  /** The provider name Faultline is given in its classify context (`openai`, `bedrock` …). */
  provider: string;
  rows: readonly CatalogueRow[];
}

type Extra = Pick<CatalogueRow, 'retryable' | 'message' | 'disambiguation'>;

/** A row the doc gives by HTTP status alone. */
export const statusRow = (
  status: number,
  category: Category,
  reason: Reason,
  meaning: string,
  url: string,
  extra: Extra = {},
): CatalogueRow => ({ status, meaning, category, reason, kind: 'status', url, ...extra });
