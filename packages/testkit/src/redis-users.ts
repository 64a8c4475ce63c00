import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeWithThisProcess } from './child-reaper.ts';
import { REPO_ROOT } from './repo-process.ts';

/** REDIS_PASSWORD_<USER>, as infra/redis-users.sh reads a user's password. */
export const redisPasswordVariable = (user: string) =>
  `REDIS_PASSWORD_${user.toUpperCase().replaceAll('-', '_')}`;

/**
 * infra/users.acl as an operator deploys it: rendered by infra/redis-users.sh with these passwords
 * (by user name) and key prefix, into a temporary file (removed when the test process exits).
 */
export function renderRedisUsers(passwords: Record<string, string>, prefix?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-acl-'));
  removeWithThisProcess(dir);
  const env: Record<string, string> = { PATH: process.env.PATH ?? '' };
  if (prefix) env.QUEUE_PREFIX = prefix;
  for (const [user, password] of Object.entries(passwords)) env[redisPasswordVariable(user)] = password;
  const file = join(dir, 'users.acl');
  writeFileSync(
    file,
    execFileSync('sh', [join(REPO_ROOT, 'infra/redis-users.sh')], {
      env,
      stdio: ['ignore', 'pipe', 'ignore'],
    }),
  );
  return file;
}
