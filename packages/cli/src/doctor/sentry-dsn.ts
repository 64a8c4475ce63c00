import { type CheckLine, fail, ok, skip, warn } from './check.ts';

const NAME = 'Sentry DSN';
const SHAPE =
  'expected https://<public key>@<host>/<project id>, as Sentry shows under Project Settings → Client Keys';

/** What is wrong with a DSN's shape, or its host and project (never its key); nothing is sent. */
export function parseDsn(dsn: string): { problem: string } | { host: string; project: string } {
  let url: URL;
  try {
    url = new URL(dsn);
  } catch {
    return { problem: `not a URL: ${SHAPE}` };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return { problem: `protocol ${url.protocol} is not http or https: ${SHAPE}` };
  if (!url.username) return { problem: `no public key before the @: ${SHAPE}` };
  if (!/^[0-9a-f]+$/i.test(url.username)) return { problem: `the public key is not hexadecimal: ${SHAPE}` };
  const project = url.pathname.split('/').filter(Boolean).at(-1);
  if (!project) return { problem: `no project id at the end of the path: ${SHAPE}` };
  if (!/^\d+$/.test(project)) return { problem: `the project id "${project}" is not a number: ${SHAPE}` };
  return { host: url.host, project };
}

const on = (v: string | undefined) => ['true', '1', 'yes'].includes((v ?? '').toLowerCase());

export function sentryLine(env: NodeJS.ProcessEnv): CheckLine {
  const dsn = env.SENTRY_DSN;
  const enabled = on(env.SENTRY_ENABLED);
  if (!dsn)
    return enabled
      ? fail(NAME, 'SENTRY_ENABLED=true but SENTRY_DSN is unset')
      : skip(NAME, 'Sentry is off (SENTRY_ENABLED unset)');
  const parsed = parseDsn(dsn);
  if ('problem' in parsed) return fail(NAME, `SENTRY_DSN: ${parsed.problem}`);
  const where = `host ${parsed.host}, project ${parsed.project} (nothing sent)`;
  if (!enabled) return warn(NAME, `${where}; SENTRY_ENABLED is not true, so nothing goes to Sentry`);
  return ok(NAME, where);
}
