/** The CLI's exit codes are a contract with cron jobs and CI scripts. */
export const EXIT = {
  ok: 0,
  someFailed: 1,
  allFailed: 2,
  config: 3,
  redisUnreachable: 4,
  billing: 5,
  authentication: 6,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
