import type { AlerterConfig } from '../config.ts';
import { alertFileChannel } from './alert-file.ts';
import type { AlertChannel } from './channel.ts';
import { emailChannel } from './email.ts';
import { sentryChannel } from './sentry.ts';
import { slackChannel, webhookChannel } from './webhook.ts';

export type { AlertChannel } from './channel.ts';

/** The channels this configuration turns on, by delivery target (one per webhook URL). */
export function enabledChannels(cfg: AlerterConfig): Map<string, AlertChannel> {
  const list: AlertChannel[] = [];
  if (cfg.ENABLE_EMAIL_ALERTS) list.push(emailChannel(cfg));
  if (cfg.ENABLE_FILE_ALERTS) list.push(alertFileChannel(cfg));
  if (cfg.SENTRY_ENABLED) list.push(sentryChannel(cfg));
  for (const url of cfg.WEBHOOK_URLS) list.push(webhookChannel(cfg, url));
  if (cfg.SLACK_WEBHOOK_URL) list.push(slackChannel(cfg));
  return new Map(list.map((c) => [c.target, c]));
}
