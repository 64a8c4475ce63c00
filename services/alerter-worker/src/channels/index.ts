import type { Channel } from '@faultline/core';
import type { AlerterConfig } from '../config.ts';
import { alertFileChannel } from './alert-file.ts';
import type { AlertChannel } from './channel.ts';
import { emailChannel } from './email.ts';
import { sentryChannel } from './sentry.ts';
import { slackChannel, webhookChannel } from './webhook.ts';

export type { AlertChannel } from './channel.ts';

/** The channels this configuration turns on. */
export function enabledChannels(cfg: AlerterConfig): Map<Channel, AlertChannel> {
  const list: AlertChannel[] = [];
  if (cfg.ENABLE_EMAIL_ALERTS) list.push(emailChannel(cfg));
  if (cfg.ENABLE_FILE_ALERTS) list.push(alertFileChannel(cfg));
  if (cfg.SENTRY_ENABLED) list.push(sentryChannel(cfg));
  if (cfg.WEBHOOK_URLS.length) list.push(webhookChannel(cfg));
  if (cfg.SLACK_WEBHOOK_URL) list.push(slackChannel(cfg));
  return new Map(list.map((c) => [c.name, c]));
}
