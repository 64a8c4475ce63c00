import { redactDeep, redactSecrets } from '@faultline/core';
import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';

export type { Logger };

/** Field names whose values are never logged, whatever they hold. */
const SECRET_PATHS = [
  '*.apiKey',
  '*.api_key',
  '*.password',
  '*.authorization',
  '*.Authorization',
  '*.token',
  '*.secret',
  'SMTP_PASSWORD',
  '*.*.password',
  '*.SMTP_PASSWORD',
];

/**
 * JSON logs (pretty when a person watches a terminal), with secrets removed twice: known secret
 * fields by path, and key-shaped strings anywhere (error messages quote keys back at you).
 */
export function createLogger(service: string, level = 'info', destination?: DestinationStream): Logger {
  // `faultline start` pipes its services' output, so it asks for pretty logs with LOG_FORMAT=pretty.
  const pretty =
    !destination &&
    (process.env.LOG_FORMAT === 'pretty' || (process.stdout.isTTY && process.env.LOG_FORMAT !== 'json'));
  const options: LoggerOptions = {
    name: service,
    level,
    redact: { paths: SECRET_PATHS, censor: '[redacted]' },
    formatters: { log: (obj) => redactDeep(obj) as Record<string, unknown> },
    hooks: {
      logMethod(args, method) {
        method.apply(
          this,
          args.map((a) => (typeof a === 'string' ? redactSecrets(a) : a)) as Parameters<typeof method>,
        );
      },
    },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { colorize: true } } } : {}),
  };
  return destination ? pino(options, destination) : pino(options);
}
