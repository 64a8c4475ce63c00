import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createGenerationClient, modelHealthStore, redisKeys } from '@faultline/client';
import { modelKey } from '@faultline/core';
import { createReporter } from '@faultline/reporter';
import { assertRedisReachable, createRedis } from '@faultline/runtime';
import {
  freePort,
  KEY_REVOKED_401,
  killWithThisProcess,
  type ProviderSimulator,
  pollUntil,
  QUOTA_429,
  type RepoProcess,
  renderRedisUsers,
  runRepoProcess,
  startProviderSimulator,
  startTestRedis,
  type TestRedis,
} from '@faultline/testkit';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alerterEnv } from '../services/alerter-worker/test/support/alerter-env.ts';
import { testEnv } from '../services/generation-worker/test/support.ts';
import { probeEnv } from '../services/health-probe-worker/test/support.ts';

// infra/users.acl as deployed (passwords added by infra/redis-users.sh), every service running as its
// own user in its own process, and each user refused what its role does not need.

const hasRedisServer = !spawnSync('redis-server', ['--version']).error;
/** A prefix of its own: infra/redis-users.sh writes it into every key pattern. */
const PREFIX = '{t-acl}';
const USERS = [
  'generation',
  'health-probe',
  'alerter',
  'ops',
  'producer',
  'reporter',
  'operator',
  'keda',
  'admin',
] as const;
type User = (typeof USERS)[number];
const passwords = Object.fromEntries(USERS.map((u) => [u, randomBytes(12).toString('hex')])) as Record<
  User,
  string
>;
const OPS_TOKEN = 'lockdown-test-token-0123456789';

let redis: TestRedis;
let sim: ProviderSimulator;
const services: Partial<Record<'generation' | 'health-probe' | 'alerter' | 'ops', RepoProcess>> = {};
let alertFile = '';
let opsPort = 0;
const urlOf = (user: User) => `redis://${user}:${passwords[user]}@127.0.0.1:${redis.port}`;
type Connection = ReturnType<typeof createRedis>;
const clients: Connection[] = [];
/** A connection that fails a command rather than retrying it; to `url`, or as `user`. */
function connection(url: string, lazyConnect = false): Connection {
  const client = createRedis(
    url,
    // No ready check: its INFO would fail before a test's own command for a client that is not signed in.
    { maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect, enableReadyCheck: false },
    {},
  );
  clients.push(client);
  return client;
}
const as = (user: User) => connection(urlOf(user));
/** The ACL LOG's denials: who was refused what, and where (toplevel, lua, multi). */
async function denials(): Promise<string[]> {
  const log = (await as('admin').call('ACL', 'LOG', '1000')) as unknown[][];
  return log.map((entry) => {
    const e = Object.fromEntries(
      Array.from({ length: entry.length / 2 }, (_, i) => [entry[2 * i], entry[2 * i + 1]]),
    );
    return `${e.username} ${e.reason} ${e.object} (${e.context})`;
  });
}

/** What to read when the pipeline stalls: the alert file, what Redis refused, each service's last lines. */
async function diagnosis(alertFileText: string): Promise<string> {
  const logs = Object.entries(services).map(([name, p]) => `=== ${name}\n${p!.output().slice(-3000)}`);
  return [`alert file:\n${alertFileText}`, `ACL LOG:\n${(await denials()).join('\n')}`, ...logs].join('\n');
}

/** A service as its own process, killed with this one, once it logs that it is ready. */
async function startService(entry: string, env: Record<string, string>): Promise<RepoProcess> {
  const proc = runRepoProcess([entry], { ...env, LOG_LEVEL: 'info', LOG_FORMAT: 'json' });
  killWithThisProcess(proc.child);
  await pollUntil(
    `${entry} to log "ready"`,
    () => /ready"/.test(proc.output()) || proc.child.exitCode !== null,
    {
      timeoutMs: 90_000,
    },
  );
  if (proc.child.exitCode !== null) throw new Error(`${entry} exited before it was ready:\n${proc.output()}`);
  return proc;
}

beforeAll(async () => {
  if (!hasRedisServer) return;
  [redis, sim] = await Promise.all([
    startTestRedis({ aclFile: renderRedisUsers(passwords, PREFIX) }),
    startProviderSimulator(),
  ]);
  // Failures of two kinds, so that they make two alert groups: one per source.
  sim.script('gen-quota', QUOTA_429);
  sim.script('claude-revoked', KEY_REVOKED_401);
  sim.script('app-quota', QUOTA_429);
  sim.script('app-ok', { kind: 'success', text: 'fine' });
  const models = [
    { id: 'gpt-ok', provider: 'openai', interval: '1s' },
    { id: 'claude-revoked', provider: 'anthropic', interval: '1s', priority: 'critical' },
  ];
  const alerter = alerterEnv(urlOf('alerter'), PREFIX, { ALERT_GROUP_WAIT: '200ms' });
  alertFile = alerter.env.ALERT_FILE_PATH!;
  opsPort = await freePort();
  const probe = probeEnv(urlOf('health-probe'), sim, models, { QUEUE_PREFIX: PREFIX });
  // One after another: four services compiling at once on a busy machine take longer than each alone.
  services.generation = await startService('services/generation-worker/src/main.ts', {
    ...testEnv(urlOf('generation'), sim, PREFIX),
  });
  services['health-probe'] = await startService('services/health-probe-worker/src/main.ts', probe);
  services.alerter = await startService('services/alerter-worker/src/main.ts', alerter.env);
  services.ops = await startService('services/ops/src/main.ts', {
    REDIS_URL: urlOf('ops'),
    QUEUE_PREFIX: PREFIX,
    OPS_PORT: String(opsPort),
    OPS_TOKEN,
    FAULTLINE_MODELS_FILE: probe.FAULTLINE_MODELS_FILE!,
  });
}, 300_000);

afterAll(async () => {
  for (const c of clients) c.disconnect();
  await Promise.all(
    Object.values(services).map(async (s) => {
      s?.child.kill('SIGTERM');
      await s?.exited;
    }),
  );
  await Promise.all([sim?.close(), redis?.close()]);
}, 60_000);

describe.runIf(hasRedisServer)('every service runs as its own Redis user (infra/users.acl)', () => {
  it('a producer’s job is processed, failures reach the alert file from the generation worker and the probes, the dashboard and the CLI answer, and Redis refuses nothing they do', async () => {
    const client = createGenerationClient({ redisUrl: urlOf('producer'), prefix: PREFIX });
    try {
      const messages = [{ role: 'user' as const, content: 'ping' }];
      const ok = await client.enqueueGeneration({ provider: 'openai', model: 'gpt-ok', messages });
      expect(await client.waitForResult(ok, 20_000)).toMatchObject({ model: 'gpt-ok' });
      const failing = await client.enqueueGeneration({ provider: 'openai', model: 'gen-quota', messages });
      await expect(client.waitForResult(failing, 20_000)).rejects.toThrow();
      const runId = await client.enqueueRun([{ provider: 'openai', model: 'gpt-ok', messages }]);
      await pollUntil('the run summary to count its job', async () => {
        const s = await client.runSummary(runId);
        return s.succeeded === 1;
      });
    } finally {
      await client.close();
    }

    // The alerter (its own user) delivered what the generation worker and the health-probe worker published.
    const alerts = () => (existsSync(alertFile) ? readFileSync(alertFile, 'utf8') : '');
    await pollUntil(
      'alerts from both sources in the alert file',
      () => /Source: generation/.test(alerts()) && /Source: health_probe/.test(alerts()),
      { timeoutMs: 60_000 },
    ).catch(async (error: Error) => {
      throw new Error(`${error.message}\n${await diagnosis(alerts())}`);
    });
    expect(alerts()).toMatch(/ALERT: BILLING_QUOTA\n[\s\S]*Model: gen-quota/);
    expect(alerts()).toMatch(/ALERT: AUTHENTICATION\n[\s\S]*Provider: anthropic/);

    const ops = (path: string) =>
      fetch(`http://127.0.0.1:${opsPort}${path}`, { headers: { authorization: `Bearer ${OPS_TOKEN}` } });
    for (const path of [
      '/health',
      '/metrics',
      '/',
      '/api/monitoring/health',
      '/api/alerts/groups',
      '/api/incidents',
      '/dashboard/api/queues?activeQueue=generation&status=latest&page=1',
    ])
      expect({ path, status: (await ops(path)).status }).toEqual({ path, status: 200 });

    const cli = async (args: string[]) => {
      const proc = runRepoProcess(['packages/cli/src/main.ts', ...args], {
        REDIS_URL: urlOf('operator'),
        QUEUE_PREFIX: PREFIX,
      });
      return { args, code: await proc.exited, out: proc.output() };
    };
    expect(await cli(['alerts', 'list'])).toMatchObject({
      code: 0,
      out: expect.stringMatching(/billing_quota/),
    });
    // 1: a model is unhealthy, as it should be; 3 or 4 would be a refused setting or connection.
    expect(await cli(['health'])).toMatchObject({ code: 1, out: expect.stringMatching(/claude-revoked/) });
    expect(await cli(['test-alert'])).toMatchObject({ code: 0 });
    expect(await cli(['alerts', 'retry-failed'])).toMatchObject({ code: 0 });

    // POST /api/events: ops (its own user) publishes on the alerts queue and counts what it cannot place.
    // Each new failure names a provider of its own: openai's billing incident would take in the others.
    const ingest = (body: unknown) =>
      fetch(`http://127.0.0.1:${opsPort}/api/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${OPS_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const quota = await ingest({
      provider: 'azure',
      model: 'ingest-quota',
      status: 429,
      body: (QUOTA_429 as { body: unknown }).body,
    });
    expect(quota.status).toBe(202);
    expect(
      (await ingest({ provider: 'azure', model: 'ingest-odd', status: 500, body: 'a gremlin' })).status,
    ).toBe(202);

    // An app's own SDK calls, reported by @faultline/reporter as the `reporter` user.
    const reporterErrors: string[] = [];
    const reporter = createReporter({
      redis: urlOf('reporter'),
      prefix: PREFIX,
      onError: (error) => reporterErrors.push(error.message),
    });
    try {
      const openai = reporter.instrument(
        new OpenAI({
          apiKey: 'sk-test-0000000000000000000000000000',
          baseURL: sim.openaiBaseURL,
          maxRetries: 0,
        }),
        // An OpenAI-compatible provider, through the OpenAI SDK.
        { provider: 'together' },
      );
      const messages = [{ role: 'user' as const, content: 'ping' }];
      await expect(openai.chat.completions.create({ model: 'app-quota', messages })).rejects.toMatchObject({
        status: 429,
      });
      expect(
        (await openai.chat.completions.create({ model: 'app-ok', messages })).choices[0]?.message.content,
      ).toBe('fine');
      expect(await reporter.flush(20_000)).toBe(0);
    } finally {
      await reporter.close();
    }
    expect(reporterErrors).toEqual([]);
    const health = modelHealthStore(as('operator'), redisKeys(PREFIX));
    expect((await health.read(modelKey('together', 'app-ok'))).window).toHaveLength(1);
    await pollUntil(
      'the posted and the reported failures in the alert file',
      () =>
        /Provider: together\n[\s\S]*Model: app-quota/.test(alerts()) &&
        /Provider: azure\n[\s\S]*Model: ingest-quota/.test(alerts()),
      { timeoutMs: 60_000 },
    ).catch(async (error: Error) => {
      throw new Error(`${error.message}\n${await diagnosis(alerts())}`);
    });
    const unknowns = await as('operator').zcard(redisKeys(PREFIX).unknownSignatures());
    expect(unknowns).toBeGreaterThan(0);

    // Refused by design and expected: the start-up check of the eviction policy tries CONFIG GET,
    // which no service user has, then reads INFO memory. Nothing else may have been refused.
    const refused = (await denials()).filter((d) => !/ command config\|get \(toplevel\)$/.test(d));
    expect(refused).toEqual([]);
    for (const [name, proc] of Object.entries(services))
      expect({ name, warned: /cannot read Redis's maxmemory-policy|NOPERM/.test(proc!.output()) }).toEqual({
        name,
        warned: false,
      });
  }, 120_000);
});

describe.runIf(hasRedisServer)('each user is refused what its role does not need', () => {
  const P = PREFIX;
  /** Commands no Faultline user may run: they wipe, reconfigure, enumerate or stall the whole server. */
  const ADMIN_ONLY: string[][] = [
    ['FLUSHALL'],
    ['FLUSHDB'],
    ['CONFIG', 'SET', 'dir', '/tmp'],
    ['CONFIG', 'GET', 'requirepass'],
    ['KEYS', '*'],
    ['DEBUG', 'SLEEP', '0'],
    ['ACL', 'LIST'],
    ['SHUTDOWN', 'NOSAVE'],
    ['SCRIPT', 'FLUSH'],
    ['FUNCTION', 'FLUSH'],
    ['MODULE', 'LIST'],
    ['MONITOR'],
    ['REPLICAOF', 'NO', 'ONE'],
    ['SAVE'],
    ['BGREWRITEAOF'],
    ['CLIENT', 'KILL', 'TYPE', 'normal'],
    ['MIGRATE', '127.0.0.1', '1', 'k', '0', '1'],
    ['SUBSCRIBE', 'x'],
  ];
  const ROLES: User[] = [
    'generation',
    'health-probe',
    'alerter',
    'ops',
    'producer',
    'reporter',
    'operator',
    'keda',
  ];

  it.each(ROLES)(
    '%s: FLUSHALL, CONFIG, KEYS, DEBUG, ACL, SHUTDOWN and the like answer NOPERM',
    async (user) => {
      const redisAs = as(user);
      for (const command of ADMIN_ONLY) {
        const answer = await redisAs.call(command[0]!, ...command.slice(1)).then(
          () => 'allowed',
          (error: Error) => error.message,
        );
        expect({ command: command.join(' '), answer }).toEqual({
          command: command.join(' '),
          // DEBUG is refused before the ACL is consulted (enable-debug-command no, Redis's default).
          answer: expect.stringMatching(/^NOPERM|^ERR DEBUG command not allowed/),
        });
      }
    },
  );

  /** A key of each user's own, so that EVAL itself is allowed and only the call inside is refused. */
  const OWN_KEY: Partial<Record<User, string>> = {
    generation: `${P}:generation:wait`,
    'health-probe': `${P}:health-probes:wait`,
    alerter: `${P}:alerts:wait`,
    ops: `${P}:generation:wait`,
    producer: `${P}:generation:wait`,
    reporter: `${P}:alerts:wait`,
    operator: `${P}:generation:wait`,
  };
  it.each(Object.keys(OWN_KEY) as User[])(
    '%s: a script cannot do what the user cannot (FLUSHALL inside EVAL)',
    async (user) => {
      const answer = await as(user)
        .eval("return redis.call('FLUSHALL')", 1, OWN_KEY[user]!)
        .then(
          () => 'allowed',
          (error: Error) => error.message,
        );
      expect(answer).toMatch(/NOPERM|can't run this command/);
    },
  );

  it.each([
    // Keys outside Faultline's prefix: no service user reaches another application's data.
    ...ROLES.map((u) => [u, ['GET', 'another-app:session:1']] as const),
    // Alert suppression and forgery (review S2) by services that have no business there.
    ['generation', ['SET', `${P}:inhibit:openai`, 'x']],
    ['generation', ['SET', `${P}:delivered:some-id`, '1']],
    ['health-probe', ['DEL', `${P}:alert-group:abc`]],
    ['health-probe', ['LPUSH', `${P}:generation:wait`, '1']],
    ['alerter', ['SET', `${P}:health:openai/gpt-4o`, '{}']],
    ['alerter', ['LPUSH', `${P}:generation:wait`, '1']],
    ['producer', ['LPUSH', `${P}:alerts:wait`, '1']],
    ['producer', ['HGETALL', `${P}:alert-group:abc`]],
    ['producer', ['GET', `${P}:health:openai/gpt-4o`]],
    // An app's reporter publishes alert events and traffic health: no jobs, no alert state, no reads elsewhere.
    ['reporter', ['LPUSH', `${P}:generation:wait`, '1']],
    ['reporter', ['HSET', `${P}:generation:42`, 'data', '{}']],
    ['reporter', ['HSET', `${P}:alert-group:abc`, 'state', 'resolved']],
    ['reporter', ['HGETALL', `${P}:alert-group:abc`]],
    ['reporter', ['SET', `${P}:inhibit:openai`, 'x']],
    ['reporter', ['SET', `${P}:delivered:some-id`, '1']],
    ['reporter', ['GET', `${P}:run:some-run`]],
    ['reporter', ['DEL', `${P}:alerts:wait`]],
    ['reporter', ['DEL', `${P}:health:openai/gpt-4o`]],
    ['reporter', ['LRANGE', `${P}:alerts:wait`, '0', '-1']],
    ['reporter', ['XREAD', 'STREAMS', `${P}:alerts:events`, '0']],
    ['reporter', ['ZADD', `${P}:classifier:unknowns`, '1', 'x']],
    // The dashboard reads everything; it writes BullMQ's queue metadata, and alert events and unknown
    // error signatures (POST /api/events), nothing else.
    ['ops', ['DEL', `${P}:generation:wait`]],
    ['ops', ['SET', `${P}:inhibit:openai`, 'x']],
    ['ops', ['HSET', `${P}:alert-group:abc`, 'state', 'resolved']],
    ['ops', ['LPUSH', `${P}:generation:wait`, '1']],
    ['ops', ['HSET', `${P}:health:openai/gpt-4o`, 'x', '1']],
    ['ops', ['DEL', `${P}:alerts:wait`]],
    ['ops', ['LPOP', `${P}:alerts:wait`]],
    ['ops', ['HINCRBY', `${P}:alert-group:abc`, 'n', '1']],
    ['ops', ['ZADD', `${P}:alert-groups:wait`, '1', 'x']],
    ['ops', ['INCR', `${P}:classifier:unknowns`]],
    // KEDA reads the length of one list.
    ['keda', ['LRANGE', `${P}:generation:wait`, '0', '-1']],
    ['keda', ['LLEN', `${P}:alerts:wait`]],
  ] as [User, string[]][])('%s: %j answers NOPERM', async (user, command) => {
    const answer = await as(user)
      .call(command[0]!, ...command.slice(1))
      .then(
        () => 'allowed',
        (error: Error) => error.message,
      );
    expect(answer).toMatch(/^NOPERM/);
  });

  it('keda: KEDA’s own script (TYPE, then LLEN) reads the length of the generation wait list', async () => {
    // pkg/scalers/redis_scaler.go of KEDA 2.x, as the scaler sends it (EVAL; go-redis tries EVALSHA first).
    const script = `
      local listName = KEYS[1]
      local listType = redis.call('type', listName).ok
      local cmd = { zset = 'zcard', set = 'scard', list = 'llen', hash = 'hlen', none = 'llen' }
      return redis.call(cmd[listType], listName)`;
    await as('operator').rpush(`${P}:generation:wait`, 'a', 'b');
    expect(await as('keda').eval(script, 1, `${P}:generation:wait`)).toBe(2);
    await as('operator').del(`${P}:generation:wait`);
  });

  it.each([
    ['ops', ['HGETALL', `${P}:alert-group:abc`]],
    ['ops', ['HSET', `${P}:generation:meta`, 'opts.maxLenEvents', '10000']],
    ['keda', ['LLEN', `${P}:generation:wait`]],
    ['producer', ['HGETALL', `${P}:run:some-run`]],
    ['ops', ['LPUSH', `${P}:alerts:lockdown-check`, 'x']],
    ['ops', ['HINCRBY', `${P}:classifier:unknowns:details`, 'some-id:n', '1']],
    ['reporter', ['HGETALL', `${P}:alerts:some-id`]],
    ['reporter', ['SET', `${P}:health:together/some-model`, '{}', 'PX', '1000']],
  ] as [User, string[]][])('%s: %j is allowed', async (user, command) => {
    await expect(as(user).call(command[0]!, ...command.slice(1))).resolves.not.toThrow();
  });

  it('the default user is off: a client that does not sign in gets nothing, and a wrong password is refused', async () => {
    const anonymous = connection(`redis://127.0.0.1:${redis.port}`, true);
    await anonymous.connect().catch(() => {});
    await expect(anonymous.ping()).rejects.toThrow(/NOAUTH/);
    await expect(assertRedisReachable(`redis://generation:wrong@127.0.0.1:${redis.port}`)).rejects.toThrow(
      /WRONGPASS.*Check the user name and password in REDIS_URL/,
    );
  });
});
