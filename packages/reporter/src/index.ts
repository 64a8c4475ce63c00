export { closeDefaultReporter, defaultReporter, instrument, report } from './default-reporter.ts';
export { BACKLOG_MAX } from './outbox.ts';
export { DEFAULT_REDIS_URL } from './redis-connection.ts';
export {
  createReporter,
  type InstrumentOptions,
  type Reporter,
  type ReporterOptions,
  type ReportOptions,
} from './reporter.ts';
