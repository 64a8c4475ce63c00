import { createHash, createHmac } from 'node:crypto';
import {
  alertSubject,
  alertText,
  type Notification,
  WEBHOOK_PAYLOAD_VERSION,
  type WebhookPayload,
} from '@faultline/core';
import type { Dispatcher } from 'undici';
import type { AlerterConfig } from '../config.ts';
import { parseRetryAfter, permanentFailure, RetryLaterError, retryableStatus } from '../delivery-retry.ts';
import { egressDispatcher, undici } from '../egress-dispatcher.ts';
import type { AlertChannel } from './channel.ts';

/** `X-Faultline-Signature: sha256=<hex>` over `<timestamp>.<body>`, so a receiver can check origin and freshness. */
export function signature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

async function post(
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
  dispatcher: Dispatcher | undefined,
): Promise<void> {
  const res = await undici().request(url, {
    dispatcher,
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...headers },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    // bodyTimeout restarts with every chunk: a receiver that drips its answer would hold a delivery
    // slot for good (S7). This bounds the whole exchange.
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (res.statusCode >= 200 && res.statusCode < 300) {
    await res.body.dump();
    return;
  }
  // The URL may carry a token (Slack's does): name only its host. The receiver's own words (Slack's
  // `invalid_payload`, say) are kept, shortened to one line.
  const said = oneLine(await firstBytes(res.body).catch(() => ''));
  const answer = `webhook ${new URL(url).host} answered HTTP ${res.statusCode}${said ? `: ${said}` : ''}`;
  if (!retryableStatus(res.statusCode)) throw permanentFailure(answer);
  const retryAfter = parseRetryAfter(res.headers['retry-after']);
  if (retryAfter !== undefined)
    throw new RetryLaterError(`${answer} (Retry-After ${retryAfter} ms)`, retryAfter);
  throw new Error(answer);
}

/** The start of an error answer: a huge one is not read whole. */
async function firstBytes(body: AsyncIterable<Buffer>, limit = 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= limit) break;
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}

const oneLine = (text: string) => {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
};

/**
 * A URL's own delivery target: stable across restarts and config reorderings, and a hash because
 * the URL may carry a token that job ids, Redis keys and logs must not show.
 */
export function webhookTarget(url: string): string {
  return `webhook-${createHash('sha256').update(url).digest('hex').slice(0, 12)}`;
}

/** The versioned body a receiver gets (packages/core/schemas/webhook.schema.json, `faultline schema webhook`). */
export function webhookPayload(n: Notification): WebhookPayload {
  return {
    version: WEBHOOK_PAYLOAD_VERSION,
    kind: n.kind,
    id: n.id,
    fingerprint: n.fingerprint,
    occurrences: n.occurrences,
    suppressed: n.suppressed,
    firstSeen: n.firstSeen,
    lastSeen: n.lastSeen,
    ...(n.durationMs !== undefined ? { durationMs: n.durationMs } : {}),
    ...(n.heldUnderIncident ? { heldUnderIncident: n.heldUnderIncident } : {}),
    ...(n.heldBack ? { heldBack: n.heldBack } : {}),
    event: n.event,
  };
}

/**
 * Text as Slack's mrkdwn shows it and never acts on: `&`, `<` and `>` escaped as Slack's formatting
 * docs ask, so no `<!channel>` mention or `<https://…|label>` link forms; a backtick becomes `'`, so
 * an OpenAI 404 echoing a model name with three of them cannot close the code block (B5).
 */
export function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/`/g, "'");
}

/** One webhook URL; each configured URL is a channel of its own, so one URL down delays only itself. */
export function webhookChannel(cfg: AlerterConfig, url: string): AlertChannel {
  const dispatcher = egressDispatcher();
  return {
    name: 'webhook',
    target: webhookTarget(url),
    async deliver(n) {
      const body = JSON.stringify(webhookPayload(n));
      const timestamp = String(Math.floor(Date.now() / 1000));
      const headers: Record<string, string> = {
        'x-faultline-timestamp': timestamp,
        'x-faultline-notification': n.id,
      };
      // Unsigned without WEBHOOK_SECRET; start-up warns about it (startup-notices.ts).
      if (cfg.WEBHOOK_SECRET)
        headers['x-faultline-signature'] = signature(cfg.WEBHOOK_SECRET, timestamp, body);
      await post(url, body, headers, cfg.DELIVERY_TIMEOUT, dispatcher);
    },
    async close() {
      await dispatcher?.close();
    },
  };
}

export function slackChannel(cfg: AlerterConfig): AlertChannel {
  const url = cfg.SLACK_WEBHOOK_URL!;
  const dispatcher = egressDispatcher();
  return {
    name: 'slack',
    target: 'slack',
    async deliver(n) {
      const subject = slackEscape(alertSubject(n, cfg.ALERT_SUBJECT_PREFIX));
      const text = `*${subject}*\n\`\`\`${slackEscape(alertText(n))}\`\`\``;
      await post(url, JSON.stringify({ text }), {}, cfg.DELIVERY_TIMEOUT, dispatcher);
    },
    async close() {
      await dispatcher?.close();
    },
  };
}
