import { parseArgs } from 'node:util';
import { displayRedisUrl, localRedisUrl, onRedisError } from '@faultline/runtime';
import { type CheckGroup, type CheckLine, runGroup } from '../doctor/check.ts';
import { modelsFile, providersFileLine } from '../doctor/config-files.ts';
import { type PortSetting, portLines } from '../doctor/ports.ts';
import { providerLines } from '../doctor/provider-keys.ts';
import { recipientLines } from '../doctor/recipients.ts';
import { redisLines } from '../doctor/redis.ts';
import { renderLines, summaryOf } from '../doctor/render.ts';
import { sentryLine } from '../doctor/sentry-dsn.ts';
import { readSettings, SKIPPED_FOR_SETTINGS } from '../doctor/settings.ts';
import { smtpLines } from '../doctor/smtp.ts';
import { EXIT } from '../exit-codes.ts';

export const usage = `faultline doctor [--json]
      checks the setup before you rely on alerts, one line each: the settings, Redis (reachable,
      version, maxmemory-policy noeviction, persistence), SMTP (connect, STARTTLS, login; no mail
      is sent), the Sentry DSN's shape, each provider's key (one free model lookup), the models and
      providers files, the ports the services listen on, and the mail addresses;
      exit 0 when nothing failed (warnings allowed), 3 when a check failed`;

/** Longest a group may take, over its own per-request timeouts, before its line says "no answer". */
const GROUP_TIMEOUT_MS = 5000;

export async function doctorCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { json: { type: 'boolean', default: false } } });
  const env = process.env;
  // Connection trouble is what the Redis line reports, not a "reconnecting" line of its own.
  onRedisError(() => {});
  const settings = readSettings(env);
  const files = modelsFile(env);
  const ports: PortSetting[] = [];
  if (settings.ops)
    ports.push({
      variable: 'OPS_PORT',
      hostVariable: 'OPS_HOST',
      host: settings.ops.OPS_HOST,
      port: settings.ops.OPS_PORT,
    });
  if (settings.alerter)
    ports.push({
      variable: 'ALERTER_HEALTH_PORT',
      hostVariable: 'ALERTER_HEALTH_HOST',
      host: settings.alerter.ALERTER_HEALTH_HOST,
      port: settings.alerter.ALERTER_HEALTH_PORT,
    });
  if (settings.probe)
    ports.push({
      variable: 'HEALTH_PORT',
      hostVariable: 'HEALTH_HOST',
      host: settings.probe.HEALTH_HOST,
      port: settings.probe.HEALTH_PORT,
    });
  const now = (name: string, lines: CheckLine[]): CheckGroup => ({ name, run: async () => lines });
  const redisUrl = displayRedisUrl(env.REDIS_URL || localRedisUrl(env));
  const redis = runGroup(
    {
      name: 'Redis',
      run: () => redisLines(env),
      late: `${redisUrl} accepts connections but does not answer as Redis: check REDIS_URL`,
    },
    GROUP_TIMEOUT_MS,
  );
  // Listed in the order they print; they all run at once, but the ports: trying to listen on
  // FAULTLINE_REDIS_PORT while the Redis check connects there would make each see the other.
  const groups: (CheckGroup | Promise<CheckLine[]>)[] = [
    now('settings', [settings.line]),
    redis,
    {
      name: 'SMTP',
      run: () => smtpLines(settings.alerter, SKIPPED_FOR_SETTINGS),
      late: 'the SMTP server accepts connections but does not answer: check SMTP_HOST and SMTP_PORT',
    },
    now('ALERT_TO_EMAILS', recipientLines(settings.alerter, SKIPPED_FOR_SETTINGS)),
    now('Sentry DSN', [sentryLine(env)]),
    now('providers file', [providersFileLine(env)]),
    now('models file', [files.line]),
    { name: 'providers', run: () => providerLines(files.models, env) },
    redis.then(() => runGroup({ name: 'ports', run: () => portLines(ports, env) }, GROUP_TIMEOUT_MS)),
  ];
  const lines = (
    await Promise.all(groups.map((g) => ('run' in g ? runGroup(g, GROUP_TIMEOUT_MS) : g)))
  ).flat();
  const failed = lines.some((l) => l.status === 'fail');
  if (values.json)
    process.stdout.write(
      `${JSON.stringify({ ok: !failed, summary: summaryOf(lines), checks: lines }, null, 2)}\n`,
    );
  else process.stdout.write(renderLines(lines, Boolean(process.stdout.isTTY) && !env.NO_COLOR));
  // A server that accepted a connection and never answered may hold it open after its check gave
  // up: the report is out, so doctor ends anyway (main has set the exit code by then).
  setTimeout(() => process.exit(), 500).unref();
  return failed ? EXIT.config : EXIT.ok;
}
