import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { AlerterConfig } from '@faultline/alerter-worker/config';
import { GenerationConfig } from '@faultline/generation-worker/config';
import { HealthProbeConfig } from '@faultline/health-probe-worker/config';
import { readModelsFile } from '@faultline/health-probe-worker/models';
import { OpsConfig } from '@faultline/ops/config';
import {
  assertEvictionPolicy,
  assertRedisReachable,
  createRedis,
  loadConfig,
  QUEUES,
  REQUIRED_EVICTION_POLICY,
  redisKeys,
} from '@faultline/runtime';
import {
  freePort,
  killWithThisProcess,
  pollUntil,
  redisAnswers,
  redisPasswordVariable,
  renderRedisUsers,
} from '@faultline/testkit';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';

// No Docker engine or cluster here: these keep the deploy files in step with the code instead.
const ROOT = resolve(import.meta.dirname, '..');
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');
const workspaceDirs = ['packages', 'services']
  .flatMap((d) => readdirSync(join(ROOT, d)).map((x) => `${d}/${x}`))
  .concat(['bench', 'test'])
  .filter((d) => existsSync(join(ROOT, d, 'package.json')));

/**
 * The command that runs a service in the image: its compiled entry with plain node (no tsx, no loader),
 * compiled from a source that exists, into a dist/ the Dockerfile's runtime stage copies.
 */
function expectCompiledEntry(name: string, command: string[] | undefined) {
  expect({ name, command }).toEqual({ name, command: ['node', `services/${name}/dist/main.js`] });
  expect({ name, source: existsSync(join(ROOT, `services/${name}/src/main.ts`)) }).toEqual({
    name,
    source: true,
  });
  expect(read('infra/Dockerfile')).toContain(
    `COPY --from=build --chown=root:root /app/services/${name}/dist services/${name}/dist\n`,
  );
}

interface Container {
  command: string[];
  ports?: { containerPort: number; name: string }[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  securityContext?: Record<string, unknown>;
  volumeMounts?: { name: string; mountPath: string }[];
}
interface Probe {
  httpGet: { path: string; port: string | number };
  periodSeconds?: number;
  timeoutSeconds?: number;
  failureThreshold?: number;
}
interface Deployment {
  metadata: { name: string };
  spec: {
    replicas: number;
    selector: { matchLabels: Record<string, string> };
    template: {
      metadata: { labels: Record<string, string> };
      spec: {
        securityContext: Record<string, unknown>;
        volumes: { name: string }[];
        containers: Container[];
      };
    };
  };
}
const deployments = () =>
  parseAllDocuments(read('infra/k8s/deployments.yaml')).map((d) => d.toJS() as Deployment);
const k8sDocs = (file: string) => parseAllDocuments(read(`infra/k8s/${file}`)).map((d) => d.toJS());
/** What every pod gets from envFrom: the ConfigMap's settings and the Secret's placeholders. */
const podEnv = (): Record<string, string> => {
  const [config, , secret] = k8sDocs('config.yaml');
  return { ...config.data, ...secret.stringData };
};

/** Each Deployment's HTTP endpoint: the settings naming its host and port, as its service reads them. */
const HTTP_SERVICES = {
  'alerter-worker': { host: 'ALERTER_HEALTH_HOST', port: 'ALERTER_HEALTH_PORT', config: AlerterConfig },
  'health-probe-worker': { host: 'HEALTH_HOST', port: 'HEALTH_PORT', config: HealthProbeConfig },
  ops: { host: 'OPS_HOST', port: 'OPS_PORT', config: OpsConfig },
} as const;

describe('deploy files match the code', () => {
  it('the Dockerfile copies every workspace manifest before installing, so the frozen install works', () => {
    const dockerfile = read('infra/Dockerfile');
    for (const dir of workspaceDirs) expect(dockerfile).toContain(`COPY ${dir}/package.json ${dir}/`);
  });

  it('every compose service runs its compiled entry point with plain node, against the compose Redis', () => {
    const compose = parse(read('docker-compose.yml'), { merge: true }) as {
      services: Record<string, { command?: string[]; environment?: Record<string, string> }>;
    };
    const faultline = Object.entries(compose.services).filter(([name]) => name !== 'redis');
    expect(faultline.map(([name]) => name).sort()).toEqual([
      'alerter-worker',
      'generation-worker',
      'health-probe-worker',
      'ops',
    ]);
    for (const [name, svc] of faultline) {
      expectCompiledEntry(name, svc.command);
      // Its own ACL user (infra/users.acl), its password from .env, required.
      const user = REDIS_USER_OF[name as keyof typeof REDIS_USER_OF];
      const variable = redisPasswordVariable(user);
      expect({ name, url: svc.environment?.REDIS_URL }).toEqual({
        name,
        url: `redis://${user}:\${${variable}:?set it in .env (openssl rand -hex 24)}@redis:6379`,
      });
    }
  });

  it('the alert file and mailbox go to a named volume the image gives to the non-root user', () => {
    const compose = parse(read('docker-compose.yml'), { merge: true }) as {
      services: Record<string, { volumes?: string[] }>;
      volumes: Record<string, unknown>;
    };
    expect(compose.services['alerter-worker']!.volumes).toContain('logs:/app/logs');
    expect(Object.keys(compose.volumes)).toContain('logs');
    expect(read('infra/Dockerfile')).toMatch(
      /mkdir -p \/app\/logs && chown node:node \/app\/logs\nUSER node/,
    );
  });

  it('the example models file is one the health-probe worker accepts', () => {
    const models = readModelsFile(join(ROOT, 'examples/models.yaml'));
    expect(models.map((m) => m.id)).toEqual(['gpt-4o-mini', 'gpt-4.1', 'claude-sonnet-4-6']);
  });

  it('the alerter, health-probe and ops pods expose the port their service listens on (from the ConfigMap), probed on /health', () => {
    const env = podEnv();
    const byName = new Map(deployments().map((d) => [d.metadata.name, d]));
    expect([...byName.keys()].sort()).toEqual([
      'alerter-worker',
      'generation-worker',
      'health-probe-worker',
      'ops',
    ]);
    for (const [name, svc] of Object.entries(HTTP_SERVICES)) {
      // The service's own parse of what the pod gets: defaults apply where the ConfigMap is silent.
      const cfg = loadConfig(svc.config, env) as Record<string, unknown>;
      const container = byName.get(name)!.spec.template.spec.containers[0]!;
      expect({ name, ports: container.ports }).toEqual({
        name,
        ports: [{ containerPort: cfg[svc.port], name: 'http' }],
      });
      // The kubelet probes the pod's address: a loopback listener would fail every probe.
      expect({ name, host: cfg[svc.host] }).toEqual({ name, host: '0.0.0.0' });
      for (const probe of [container.livenessProbe, container.readinessProbe])
        expect({ name, httpGet: probe?.httpGet }).toEqual({
          name,
          httpGet: { path: '/health', port: 'http' },
        });
      // /health reads Redis, which takes seconds when Redis is slow (the alerter bounds it at 2 s for PING
      // and 2 s for its queue reads); the kubelet's default 1 s timeout would count that as a failure.
      expect(container.livenessProbe!.timeoutSeconds).toBeGreaterThanOrEqual(5);
      expect(container.readinessProbe!.timeoutSeconds).toBeGreaterThanOrEqual(5);
      // /health needs Redis: liveness rides out a short Redis outage instead of restarting every replica
      // into start-up, which exits while Redis is away.
      const live = container.livenessProbe!;
      expect((live.periodSeconds ?? 10) * (live.failureThreshold ?? 3)).toBeGreaterThanOrEqual(60);
    }
    expect(loadConfig(AlerterConfig, {}).ALERTER_HEALTH_PORT).toBe(9466);
    // The generation worker has no HTTP endpoint (and no setting for one): it exits when it cannot go on.
    expect(Object.keys(GenerationConfig.shape).filter((k) => /(^|_)(PORT|HOST)$/.test(k))).toEqual([]);
    expect(byName.get('generation-worker')!.spec.template.spec.containers[0]!.ports).toBeUndefined();
    // The Services route to the same named ports, and the image exposes them.
    for (const svc of k8sDocs('services.yaml'))
      expect(svc.spec.ports.map((p: { targetPort: string }) => p.targetPort)).toEqual(['http']);
    const exposed = /^EXPOSE (.*)$/m.exec(read('infra/Dockerfile'))![1]!.split(/\s+/).map(Number);
    const listened = Object.values(HTTP_SERVICES).map(
      (svc) => (loadConfig(svc.config, env) as Record<string, unknown>)[svc.port],
    );
    expect(exposed.sort()).toEqual(listened.sort());
  });

  it('every pod runs as the restricted Pod Security profile asks, on a read-only root with its writable paths on volumes', () => {
    const env = podEnv();
    for (const d of deployments()) {
      const pod = d.spec.template.spec;
      const name = d.metadata.name;
      expect({ name, pod: pod.securityContext }).toMatchObject({
        name,
        pod: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      });
      for (const c of pod.containers) {
        expect({ name, container: c.securityContext }).toEqual({
          name,
          container: {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ['ALL'] },
          },
        });
        const mounts = (c.volumeMounts ?? []).map((m) => m.mountPath);
        // The root filesystem is read-only: os.tmpdir() is the one scratch place a library may write.
        expect({ name, tmp: mounts.includes('/tmp') }).toEqual({ name, tmp: true });
        for (const m of c.volumeMounts ?? []) expect(pod.volumes.map((v) => v.name)).toContain(m.name);
      }
    }
    const alerter = deployments().find((d) => d.metadata.name === 'alerter-worker')!;
    const mounts = alerter.spec.template.spec.containers[0]!.volumeMounts!.map((m) => m.mountPath);
    const cfg = loadConfig(AlerterConfig, env);
    expect(mounts).toContain(dirname(cfg.ALERT_FILE_PATH));
  });

  it('a worker with several replicas keeps all but one through a node drain', () => {
    const budgets = k8sDocs('disruption.yaml');
    for (const d of deployments().filter((x) => x.spec.replicas > 1)) {
      const budget = budgets.find((b) => b.metadata.name === d.metadata.name);
      expect(budget?.spec).toEqual({
        maxUnavailable: 1,
        selector: { matchLabels: d.spec.selector.matchLabels },
      });
    }
  });

  it('WATCHDOG_URL is documented, commented out, in the ConfigMap: the alerter runs without it', () => {
    expect(read('infra/k8s/config.yaml')).toMatch(/^ {2}# WATCHDOG_URL: https:\/\//m);
    expect(podEnv().WATCHDOG_URL).toBeUndefined();
    expect(loadConfig(AlerterConfig, podEnv()).WATCHDOG_URL).toBeUndefined();
  });

  it('every Kubernetes deployment runs its compiled entry point with plain node; HTTP services are probed on /health', () => {
    const docs = parseAllDocuments(read('infra/k8s/deployments.yaml')).map((d) => d.toJS());
    for (const doc of docs) {
      const container = doc.spec.template.spec.containers[0];
      expectCompiledEntry(doc.metadata.name, container.command);
      if (container.ports) expect(container.livenessProbe.httpGet.path).toBe('/health');
    }
  });

  it('KEDA scales the generation worker on the BullMQ wait list of the configured prefix', () => {
    const [keda] = parseAllDocuments(read('infra/k8s/autoscaling.yaml')).map((d) => d.toJS());
    const config = parseAllDocuments(read('infra/k8s/config.yaml'))[0]!.toJS();
    expect(keda.spec.triggers[0].metadata.listName).toBe(`${config.data.QUEUE_PREFIX}:generation:wait`);
  });

  it('applying infra/k8s/ creates one autoscaler for the generation worker, not two', () => {
    const docs = readdirSync(join(ROOT, 'infra/k8s'))
      .filter((f) => f.endsWith('.yaml'))
      .flatMap((f) => parseAllDocuments(read(`infra/k8s/${f}`)).map((d) => d.toJS()));
    const scalers = docs.filter((d) => d?.kind === 'ScaledObject' || d?.kind === 'HorizontalPodAutoscaler');
    expect(scalers.map((d) => d.spec.scaleTargetRef.name)).toEqual(['generation-worker']);
  });
});

const hasRedisServer = !spawnSync('redis-server', ['--version']).error;

describe('infra/redis.conf', () => {
  it('says noeviction, with a memory ceiling, and the append-only file on', () => {
    const conf = read('infra/redis.conf');
    const setting = (name: string) => new RegExp(`^${name} (\\S+)\\s*$`, 'm').exec(conf)?.[1];
    expect(setting('maxmemory-policy')).toBe(REQUIRED_EVICTION_POLICY);
    expect(setting('maxmemory')).toMatch(/^[1-9]\d*(mb|gb)$/i);
    expect(setting('appendonly')).toBe('yes');
  });

  it.skipIf(!hasRedisServer)(
    'as redis-server reads it, with infra/users.acl rendered: noeviction and a maxmemory in force, AOF on, protected mode, no way in without a user, and the services’ start-up check passes as a service user',
    async () => {
      const port = await freePort();
      const dir = mkdtempSync(join(tmpdir(), 'faultline-redis-conf-'));
      const passwords = { admin: 'conf-test-admin-0123456789', generation: 'conf-test-generation-0123' };
      // The file as deployed; only where it listens, writes and finds its users changes for the test.
      const child = spawn(
        'redis-server',
        [
          join(ROOT, 'infra/redis.conf'),
          ...['--port', String(port), '--bind', '127.0.0.1', '--dir', dir],
          ...['--aclfile', renderRedisUsers(passwords)],
        ],
        { stdio: 'ignore' },
      );
      killWithThisProcess(child);
      const url = (user: keyof typeof passwords) => `redis://${user}:${passwords[user]}@127.0.0.1:${port}`;
      const redis = createRedis(url('admin'), { lazyConnect: true, maxRetriesPerRequest: 1 });
      try {
        await pollUntil('redis-server with infra/redis.conf to answer', () =>
          assertRedisReachable(url('admin'), 500).then(
            () => true,
            () => false,
          ),
        );
        await redis.connect();
        const get = async (name: string) => ((await redis.config('GET', name)) as string[])[1];
        expect(await get('maxmemory-policy')).toBe('noeviction');
        expect(Number(await get('maxmemory'))).toBeGreaterThan(0);
        expect(await get('appendonly')).toBe('yes');
        expect(await get('protected-mode')).toBe('yes');
        // No user, no answer: not even PING.
        expect(await redisAnswers('127.0.0.1', port)).toBe(false);
        // A service user may not CONFIG GET: the check reads INFO memory instead, and warns of nothing.
        await expect(assertEvictionPolicy(url('generation'))).resolves.toBeNull();
      } finally {
        redis.disconnect();
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGKILL');
        await exited;
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});

/**
 * Whether Docker leaves `path` out of the build context, by .dockerignore's rules (moby/patternmatcher):
 * the last pattern that matches the path or one of its parent directories wins, `!` sends it again;
 * `**` spans directories, `*` and `?` stay within one.
 */
function dockerIgnores(patterns: string[], path: string): boolean {
  const rules = patterns.map((line) => {
    const include = line.startsWith('!');
    const glob = (include ? line.slice(1) : line).replace(/^\/+/, '');
    const source = glob
      .split(/(\*\*\/|\*\*|\*|\?)/)
      .map((part) =>
        part === '**/'
          ? '(?:.*/)?'
          : part === '**'
            ? '.*'
            : part === '*'
              ? '[^/]*'
              : part === '?'
                ? '[^/]'
                : part.replace(/[.+^${}()|[\]\\]/g, '\\$&'),
      )
      .join('');
    return { include, regex: new RegExp(`^${source}$`) };
  });
  const parts = path.split('/');
  const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let ignored = false;
  for (const rule of rules) if (prefixes.some((p) => rule.regex.test(p))) ignored = !rule.include;
  return ignored;
}

/** Node.js release lines and their end of life (github.com/nodejs/Release, schedule.json). */
const NODE_END_OF_LIFE: Record<number, string> = {
  22: '2027-04-30',
  24: '2028-04-30',
  26: '2029-04-30',
};

describe('the image (S8): a current LTS, compiled JavaScript, production dependencies, code read-only for its user', () => {
  const dockerfile = read('infra/Dockerfile');
  const ignore = read('.dockerignore')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const arg = (name: string) => new RegExp(`^ARG ${name}=(\\S+)$`, 'm').exec(dockerfile)?.[1];
  const runtimeStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  /** The lines of the stage named `name`, up to the next FROM. */
  const stage = (name: string) => {
    const start = dockerfile.search(new RegExp(`^FROM \\S+ AS ${name}$`, 'm'));
    expect({ name, found: start >= 0 }).toEqual({ name, found: true });
    const next = dockerfile.indexOf('\nFROM ', start + 1);
    return dockerfile.slice(start, next < 0 ? undefined : next);
  };
  /** Instructions, without comments: what Docker runs. */
  const instructions = dockerfile
    .split('\n')
    .filter((l) => l.trim() && !l.trimStart().startsWith('#'))
    .join('\n');

  it('every stage is the same pinned Node release, of an LTS line with at least six months of support left', () => {
    const image = arg('NODE_IMAGE');
    const [, major, tag] = /^node:(\d+)\.\d+\.\d+(-[a-z]+-slim)$/.exec(image ?? '') ?? [];
    expect({ image, pinnedSlim: Boolean(tag) }).toEqual({ image, pinnedSlim: true });
    // Each stage starts from the pinned image or from an earlier stage, which did.
    const froms = [...dockerfile.matchAll(/^FROM (\S+)(?: AS (\S+))?$/gm)].map((m) => ({
      from: m[1]!,
      as: m[2],
    }));
    expect(froms.length).toBeGreaterThan(1);
    const stages: string[] = [];
    for (const { from, as } of froms) {
      expect(['$' + '{NODE_IMAGE}', ...stages]).toContain(from);
      if (as) stages.push(as);
    }
    const endOfLife = NODE_END_OF_LIFE[Number(major)];
    // A line missing here is either not LTS (odd lines before 27) or new: add it from the schedule.
    expect({ major, endOfLife: endOfLife ?? 'not a known LTS line' }).toMatchObject({ major });
    expect(Date.parse(endOfLife!) - Date.now()).toBeGreaterThan(183 * 86_400_000);
  });

  it('compiles with every dependency in a build stage; the runtime stage installs the production ones only', () => {
    const installs = [...instructions.matchAll(/^RUN pnpm install (.*)$/gm)].map((m) => m[1]!);
    expect(installs).toHaveLength(2);
    // Both from the lockfile; scripts off, as the root postinstall would compile.
    for (const i of installs)
      expect(i).toMatch(/--frozen-lockfile .*--ignore-scripts|--ignore-scripts .*--frozen-lockfile/);
    const build = stage('build');
    expect(build).toMatch(/^RUN pnpm install (?!.*--prod)/m);
    expect(build).toMatch(/^COPY \. \.\nRUN pnpm build$/m);
    // The services and the workspace packages they use; --no-optional also drops valibot's optional peer,
    // which the lockfile resolves to TypeScript.
    expect(stage('production-dependencies')).toMatch(
      /^RUN pnpm install .*--prod --no-optional .*--filter-prod "\{\.\/services\/\*\}\.\.\."$/m,
    );
    // The runtime's dependencies come from that stage alone.
    expect(runtimeStage).toMatch(/^COPY --from=production-dependencies --chown=root:root \/app \/app$/m);
    // From the build stage, compiled output only: never its sources or its full node_modules.
    for (const [line] of runtimeStage.matchAll(/^COPY --from=build .*$/gm))
      expect(line).toMatch(/ \/app\/\S+\/dist \S+\/dist$/);
    // No TypeScript at run time: no tsx, no loader, no development condition.
    expect(instructions).not.toMatch(/tsx|--import|--loader|--conditions|src\/main\.ts/);
    expect(/^CMD (.*)$/m.exec(runtimeStage)?.[1]).toBe('["node", "services/generation-worker/dist/main.js"]');
  });

  it('the runtime stage takes the compiled dist/ of every service and of each workspace package they import', () => {
    const dirOf = new Map(
      workspaceDirs.map((d) => [JSON.parse(read(`${d}/package.json`)).name as string, d] as const),
    );
    const needed = new Set<string>();
    const visit = (dir: string) => {
      if (needed.has(dir)) return;
      needed.add(dir);
      const deps = JSON.parse(read(`${dir}/package.json`)).dependencies ?? {};
      for (const name of Object.keys(deps)) if (dirOf.has(name)) visit(dirOf.get(name)!);
    };
    for (const d of workspaceDirs.filter((x) => x.startsWith('services/'))) visit(d);
    const copied = [
      ...runtimeStage.matchAll(/^COPY --from=build --chown=root:root \/app\/(\S+)\/dist (\S+)\/dist$/gm),
    ].map((m) => {
      expect(m[2]).toBe(m[1]);
      return m[1]!;
    });
    expect(copied.sort()).toEqual([...needed].sort());
    expect(needed).not.toContain('packages/testkit');
  });

  it('runs as node; code belongs to root and only /app/logs is the user’s', () => {
    expect([...runtimeStage.matchAll(/^USER (\S+)$/gm)].map((m) => m[1])).toEqual(['node']);
    const copies = [...runtimeStage.matchAll(/^COPY (.*)$/gm)].map((m) => m[1]!);
    expect(copies.length).toBeGreaterThan(0);
    for (const c of copies) expect(c).toMatch(/^(--from=\S+ )?--chown=root:root /);
    // The one path the user may write: where the alert file and the mailbox go.
    expect([...dockerfile.matchAll(/\bchown (\S+ \S+)/g)].map((m) => m[1])).toEqual(['node:node /app/logs']);
    expect([...dockerfile.matchAll(/--chown=(\S+)/g)].map((m) => m[1])).toEqual(
      copies.map(() => 'root:root'),
    );
  });

  it('.dockerignore keeps history, secrets, state, dependencies, tests and benchmarks out', () => {
    for (const path of [
      '.git/config',
      'node_modules/zod/index.js',
      'services/alerter-worker/node_modules/nodemailer/package.json',
      '.env',
      '.env.local',
      '.env.production',
      'certs/relay-ca.pem',
      'services/ops/tls.key',
      'logs/alerts.log',
      'logs/mail/abc-1-1.eml',
      'data/appendonlydir/appendonly.aof.1.incr.aof',
      'dump.rdb',
      'alerter.log',
      'test/deploy.test.ts',
      'test/scenarios/support.ts',
      'services/alerter-worker/test/smtp-tls.test.ts',
      'packages/core/test/contracts.test.ts',
      'bench/soak.ts',
      'infra/users.acl',
      // Local build output: the build stage compiles afresh; a stale tsbuildinfo would skip the emit.
      'services/ops/dist/main.js',
      'packages/core/dist/index.js',
      'packages/runtime/dist/.tsbuildinfo',
      'packages/cli/tsconfig.build.tsbuildinfo',
    ])
      expect({ path, ignored: dockerIgnores(ignore, path) }).toEqual({ path, ignored: true });
  });

  it('.dockerignore sends what the Dockerfile copies and what the services run', () => {
    const copied = [...dockerfile.matchAll(/^COPY (?!--from)(?:--\S+ )*(.+) \S+$/gm)].flatMap((m) =>
      m[1]!.split(' ').filter((p) => p !== '.'),
    );
    expect(copied).toContain('test/package.json');
    for (const path of [
      ...copied,
      'services/alerter-worker/src/main.ts',
      'services/alerter-worker/src/scripts/cap-admit.lua',
      'packages/core/src/index.ts',
      'packages/runtime/src/index.ts',
      // pnpm build compiles every package: the CLI and the test kit too, which the runtime stage leaves out.
      'packages/cli/src/main.ts',
      'packages/testkit/src/index.ts',
      'scripts/build.mjs',
      'tsconfig.build.json',
      'tsconfig.build.base.json',
      'services/ops/tsconfig.build.json',
      'examples/models.yaml',
      '.env.example',
      'tsconfig.json',
    ])
      expect({ path, ignored: dockerIgnores(ignore, path) }).toEqual({ path, ignored: false });
  });
});

// ---------------------------------------------------------------------------------------------
// Redis locked down (review S2, S9; issue 14 item 2). test/redis-lockdown.test.ts runs every service
// as its user; these keep the files in step with the code that changes under them: BullMQ's scripts,
// Faultline's own scripts and keys, the manifests.
// ---------------------------------------------------------------------------------------------

/** Which ACL user each Deployment and compose service signs in as. */
const REDIS_USER_OF = {
  'generation-worker': 'generation',
  'health-probe-worker': 'health-probe',
  'alerter-worker': 'alerter',
  ops: 'ops',
} as const;
const WORKER_USERS = ['generation', 'health-probe', 'alerter'] as const;

interface AclRules {
  commands: Set<string>;
  keys: string[];
}
interface AclUser extends AclRules {
  on: boolean;
  tokens: string[];
  selectors: AclRules[];
}

/** Rules as Redis applies them, left to right: enough of the grammar for infra/users.acl. */
function aclRules(tokens: string[]): AclRules {
  const rules: AclRules = { commands: new Set(), keys: [] };
  for (const t of tokens) {
    if (t === '-@all') rules.commands.clear();
    else if (t.startsWith('+')) rules.commands.add(t.slice(1).toLowerCase());
    else if (t.startsWith('-')) rules.commands.delete(t.slice(1).toLowerCase());
    else if (t.startsWith('~')) rules.keys.push(t.slice(1));
    else if (t === 'allkeys') rules.keys.push('*');
    else if (t === 'allcommands') rules.commands.add('@all');
  }
  return rules;
}

function parseAcl(text: string): Map<string, AclUser> {
  const users = new Map<string, AclUser>();
  for (const line of text.split('\n').filter((l) => l.trim())) {
    const [keyword, name, ...rest] = line.trim().split(/\s+/);
    expect({ line, keyword }).toEqual({ line, keyword: 'user' });
    // A selector `(+hset ~k)` is one rule set of its own.
    const root: string[] = [];
    const selectors: AclRules[] = [];
    for (const group of rest.join(' ').match(/\([^)]*\)|\S+/g) ?? []) {
      if (group.startsWith('(')) selectors.push(aclRules(group.slice(1, -1).split(/\s+/)));
      else root.push(group);
    }
    users.set(name!, {
      ...aclRules(root),
      on: root.includes('on') && !root.includes('off'),
      tokens: rest,
      selectors,
    });
  }
  return users;
}

const globRegex = (glob: string) =>
  new RegExp(
    `^${glob
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replaceAll('*', '.*')
      .replaceAll('?', '.')}$`,
  );
const keyAllowed = (rules: AclRules, key: string) => rules.keys.some((k) => globRegex(k).test(key));
/** The command (or `command|subcommand`) allowed by the user's root rules or one of its selectors. */
const commandAllowed = (u: AclUser, command: string) =>
  [u, ...u.selectors].some((r) => r.commands.has('@all') || r.commands.has(command));

const ACL = () => parseAcl(read('infra/users.acl'));
const PREFIX = '{faultline}';

/** Commands a Lua script calls: quoted command names in its code (BullMQ writes them in capitals). */
function luaCommands(lua: string, upperOnly: boolean): string[] {
  const code = lua.replace(/--\[\[[\s\S]*?\]\]/g, '').replace(/--[^\n]*/g, '');
  const found = upperOnly
    ? [...code.matchAll(/["']([A-Z]+)["']/g)].map((m) => m[1]!)
    : [...code.matchAll(/redis\.p?call\(\s*["']([A-Za-z]+)["']/g)].map((m) => m[1]!);
  return [...new Set(found.map((c) => c.toLowerCase()))].filter((c) => REDIS_COMMANDS.has(c)).sort();
}

/** The Redis commands a script may name (a capitalised word that is not one, like LIMIT, is left out). */
const REDIS_COMMANDS = new Set(
  (
    'del exists get set hdel hexists hget hgetall hincrby hincrbyfloat hkeys hlen hmget hmset hscan hset ' +
    'hsetnx incr incrby lindex llen lpop lpos lpush lrange lrem lset ltrim persist pexpire pexpireat pttl ' +
    'rename rpop rpoplpush rpush sadd scard sismember smembers srem sscan time type unlink xadd xdel xlen ' +
    'xrange xread xrevrange xtrim zadd zcard zcount zlexcount zpopmin zrange zrangebylex zrangebyscore zrem ' +
    'zremrangebyrank zremrangebyscore zrevrange zrevrangebyscore zscore expire ttl mget mset getdel getex ' +
    'lmove blmove zrank zrevrank zunionstore zinterstore zdiffstore smove sunionstore sinterstore hrandfield ' +
    'hexpire hpexpire copy keys scan flushall flushdb config eval evalsha publish spublish sort info'
  ).split(' '),
);

/** BullMQ's compiled scripts (their includes inlined), by name: what its queues and workers run. */
function bullmqScripts(): Map<string, string> {
  const dir = join(dirname(createRequire(join(ROOT, 'test/package.json')).resolve('bullmq')), 'scripts');
  const scripts = new Map<string, string>();
  for (const file of readdirSync(dir).filter((f) => /^[a-zA-Z0-9]+-\d+\.js$/.test(f))) {
    const content = /const content = `([\s\S]*?)`;/.exec(readFileSync(join(dir, file), 'utf8'))?.[1];
    if (content) scripts.set(file.replace(/-\d+\.js$/, ''), content);
  }
  return scripts;
}

/** What BullMQ sends beside its scripts (ioredis-client.js, worker.js, queue-events.js). */
const BULLMQ_CLIENT_COMMANDS = [
  'eval',
  'evalsha',
  'bzpopmin',
  'client|setname',
  'info',
  'ping',
  'multi',
  'exec',
];

/** Commands no Faultline user may have: they wipe, reconfigure, enumerate, copy out or stall the server. */
const ADMIN_ONLY = [
  'flushall',
  'flushdb',
  'config',
  'config|set',
  'config|get',
  'config|rewrite',
  'keys',
  'debug',
  'acl',
  'acl|setuser',
  'acl|list',
  'acl|load',
  'acl|save',
  'shutdown',
  'module',
  'monitor',
  'replicaof',
  'slaveof',
  'save',
  'bgsave',
  'bgrewriteaof',
  'migrate',
  'restore',
  'dump',
  'sort',
  'script',
  'script|flush',
  'function',
  'function|flush',
  'function|load',
  'fcall',
  'client',
  'client|kill',
  'client|pause',
  'sync',
  'psync',
  'cluster',
  'failover',
  'swapdb',
  'move',
  'object',
  'memory',
  'latency',
  'slowlog',
  'lastsave',
  'publish',
  'subscribe',
  'psubscribe',
  'eval_ro',
  'evalsha_ro',
];

describe('Redis locked down: infra/redis.conf and infra/users.acl (S2)', () => {
  const conf = read('infra/redis.conf');
  const setting = (name: string) => new RegExp(`^${name} (.+?)\\s*$`, 'm').exec(conf)?.[1];

  it('protected mode on, users from an ACL file (no shared requirepass), DEBUG and MODULE disabled', () => {
    expect(setting('protected-mode')).toBe('yes');
    expect(setting('aclfile')).toBe('/etc/redis/users.acl');
    expect(setting('requirepass')).toBeUndefined();
    expect(setting('enable-debug-command')).toBe('no');
    expect(setting('enable-module-command')).toBe('no');
    expect(conf).not.toMatch(/^user /m);
  });

  it('the default user is off and has nothing; the file holds no password; admin alone has every command and key', () => {
    const users = ACL();
    expect([...users.keys()].sort()).toEqual(
      [
        'admin',
        'alerter',
        'default',
        'generation',
        'health-probe',
        'keda',
        'operator',
        'ops',
        'producer',
        'reporter',
      ].sort(),
    );
    const byDefault = users.get('default')!;
    expect({ on: byDefault.on, commands: [...byDefault.commands], keys: byDefault.keys }).toEqual({
      on: false,
      commands: [],
      keys: [],
    });
    for (const [name, u] of users) {
      // Passwords are added at deploy time (infra/redis-users.sh), after each line's resetpass.
      expect({ name, secrets: u.tokens.filter((t) => /^[>#<!]|^nopass$/.test(t)) }).toEqual({
        name,
        secrets: [],
      });
      expect({ name, resetpass: u.tokens.includes('resetpass') }).toEqual({ name, resetpass: true });
      if (name === 'admin') continue;
      expect({ name, channels: u.tokens.filter((t) => t.startsWith('&') || t === 'allchannels') }).toEqual({
        name,
        channels: [],
      });
      expect({ name, resetchannels: u.tokens.includes('resetchannels') }).toEqual({
        name,
        resetchannels: true,
      });
      expect({ name, firstCommandRule: u.tokens.find((t) => /^[+-]/.test(t)) }).toEqual({
        name,
        firstCommandRule: '-@all',
      });
      expect({ name, dangerous: ADMIN_ONLY.filter((c) => commandAllowed(u, c)) }).toEqual({
        name,
        dangerous: [],
      });
      expect({ name, categories: u.tokens.filter((t) => t.startsWith('+@')) }).toEqual({
        name,
        categories: [],
      });
      // Faultline's keys only, never another application's.
      for (const r of [u, ...u.selectors])
        for (const k of r.keys)
          expect({ name, key: k }).toEqual({ name, key: expect.stringMatching(/^\{faultline\}:/) });
    }
  });

  it('the three workers and the operator may run every command BullMQ’s scripts call, and what BullMQ sends beside them', () => {
    const users = ACL();
    const needed = new Set(BULLMQ_CLIENT_COMMANDS);
    for (const lua of bullmqScripts().values()) for (const c of luaCommands(lua, true)) needed.add(c);
    // info and sort appear only as words (a field, a variable): BullMQ never calls them from Lua.
    needed.delete('sort');
    expect(needed.size).toBeGreaterThan(40);
    for (const name of [...WORKER_USERS, 'operator'])
      expect({
        name,
        missing: [...needed].filter((c) => !commandAllowed(users.get(name)!, c)).sort(),
      }).toEqual({
        name,
        missing: [],
      });
  });

  it('each service may run every command of its own Lua scripts, on its own keys', () => {
    const users = ACL();
    const owners: Record<string, readonly string[]> = {
      'services/generation-worker/src/scripts': ['generation'],
      'services/health-probe-worker/src/scripts': ['health-probe'],
      'services/alerter-worker/src/scripts': ['alerter'],
      // Health and classifier state in runtime: written by the generation and health-probe workers.
      'packages/runtime/src/scripts': ['generation', 'health-probe'],
      // The model health store moved to the client package, which the reporter publishes from too.
      'packages/client/src/scripts': ['generation', 'health-probe', 'reporter'],
    };
    for (const [dir, names] of Object.entries(owners))
      for (const file of readdirSync(join(ROOT, dir)).filter((f) => f.endsWith('.lua'))) {
        const commands = luaCommands(read(`${dir}/${file}`), false);
        expect(commands.length).toBeGreaterThan(0);
        for (const name of names)
          expect({
            script: file,
            name,
            missing: commands.filter((c) => !commandAllowed(users.get(name)!, c)),
          }).toEqual({
            script: file,
            name,
            missing: [],
          });
      }
  });

  it('every key Faultline names, and every queue, is one a worker user may touch (a new one needs a line in users.acl)', () => {
    const users = ACL();
    const keys = Object.entries(redisKeys(PREFIX)).map(([name, build]) => ({
      name,
      key: (build as (...args: unknown[]) => string)('x', 'y', 1),
    }));
    for (const queue of Object.values(QUEUES))
      for (const part of ['wait', 'active', 'meta', 'events', '42'])
        keys.push({ name: `queue ${queue}`, key: `${PREFIX}:${queue}:${part}` });
    for (const { name, key } of keys) {
      const holders = WORKER_USERS.filter((u) => keyAllowed(users.get(u)!, key));
      expect({ name, key, reachable: holders.length > 0 }).toEqual({ name, key, reachable: true });
    }
  });

  it('the producer adds generation jobs, follows them and reads run summaries; nothing else', () => {
    const u = ACL().get('producer')!;
    const scripts = bullmqScripts();
    const needed = new Set(['eval', 'evalsha', 'xread', 'hset', 'hgetall', 'ping', 'info']);
    for (const name of [
      'addStandardJob',
      'addDelayedJob',
      'addPrioritizedJob',
      'getState',
      'getStateV2',
      'isFinished',
    ])
      for (const c of luaCommands(scripts.get(name)!, true)) needed.add(c);
    expect([...needed].filter((c) => !commandAllowed(u, c))).toEqual([]);
    expect(u.keys.sort()).toEqual([`${PREFIX}:generation`, `${PREFIX}:generation:*`, `${PREFIX}:run:*`]);
    expect(u.selectors).toEqual([]);
  });

  const WRITES =
    /^(set|del|unlink|hset|hsetnx|hdel|hmset|hincrby|lpush|rpush|rpop|lpop|lrem|ltrim|zadd|zrem|sadd|srem|xadd|xtrim|rename|pexpire|incr)/;

  it('ops reads every key and writes only BullMQ’s queue metadata and what its read scripts tidy', () => {
    const u = ACL().get('ops')!;
    const scripts = bullmqScripts();
    const reads = [
      'getCounts',
      'getCountsPerPriority',
      'getRanges',
      'getMetrics',
      'paginate',
      'getState',
      'getStateV2',
      'isFinished',
      'isJobInList',
      'getRateLimitTtl',
      'getDependencyCounts',
    ];
    for (const name of reads)
      expect({
        name,
        missing: luaCommands(scripts.get(name)!, true).filter((c) => !commandAllowed(u, c)),
      }).toEqual({
        name,
        missing: [],
      });
    expect([...u.commands].filter((c) => WRITES.test(c))).toEqual([]);
    expect(u.keys).toEqual([`${PREFIX}:*`]);
    // Each write it has is one command on one kind of key, but for POST /api/events (below).
    expect(u.selectors.slice(0, 3).map((s) => ({ commands: [...s.commands], keys: s.keys }))).toEqual([
      { commands: ['hset'], keys: [`${PREFIX}:*:meta`] },
      { commands: ['rpop'], keys: [`${PREFIX}:*:wait`, `${PREFIX}:*:paused`] },
      { commands: ['del'], keys: [`${PREFIX}:*:limiter`] },
    ]);
  });

  /**
   * What BullMQ's addStandardJob runs for a job without a parent, a delay, a priority or deduplication
   * (alertPublisher's): the job, its id counter, the queue's event stream, wait list and marker.
   */
  const PLAIN_ADD = ['exists', 'hget', 'hmget', 'hmset', 'hset', 'incr', 'llen', 'lpush', 'xadd', 'zadd'];

  it('ops publishes posted events on the alerts queue and counts unknown signatures (POST /api/events), and writes nothing else', () => {
    const u = ACL().get('ops')!;
    expect(luaCommands(bullmqScripts().get('addStandardJob')!, true)).toEqual(
      expect.arrayContaining(PLAIN_ADD),
    );
    const [alerts, classifier, ...more] = u.selectors.slice(3);
    expect(more).toEqual([]);
    // Two selectors, so that neither set of writes reaches the other's keys.
    expect({ commands: [...alerts!.commands].sort(), keys: alerts!.keys }).toEqual({
      commands: PLAIN_ADD.filter((c) => WRITES.test(c)).sort(),
      keys: [`${PREFIX}:alerts`, `${PREFIX}:alerts:*`],
    });
    const count = luaCommands(read('packages/runtime/src/scripts/count-unknown.lua'), false);
    expect({ commands: [...classifier!.commands].sort(), keys: classifier!.keys }).toEqual({
      commands: count.filter((c) => WRITES.test(c)).sort(),
      keys: [`${PREFIX}:classifier:*`],
    });
    // What the two read, the root rules give.
    expect([...PLAIN_ADD, ...count].filter((c) => !WRITES.test(c) && !u.commands.has(c))).toEqual([]);
  });

  it('the reporter publishes alert events and writes traffic health; nothing else', () => {
    const u = ACL().get('reporter')!;
    // alertPublisher's add and its read of the job back, the health CAS, and what ioredis and BullMQ
    // send beside them (INFO: ioredis's ready check and BullMQ's version check).
    const needed = [
      ...PLAIN_ADD,
      'hgetall',
      ...luaCommands(read('packages/client/src/scripts/health-cas.lua'), false),
      'eval',
      'evalsha',
      'ping',
      'info',
      'select',
    ];
    expect([...u.commands].sort()).toEqual([...new Set(needed)].sort());
    expect(u.keys.sort()).toEqual(
      [
        `${PREFIX}:alerts`,
        `${PREFIX}:alerts:*`,
        `${PREFIX}:health:*`,
        `${PREFIX}:health-index:*`,
        `${PREFIX}:health-outbox`,
        `${PREFIX}:health-outbox:*`,
      ].sort(),
    );
    expect(u.selectors).toEqual([]);
  });

  it('KEDA’s user runs its list-length script on the generation wait list, and nothing more', () => {
    const u = ACL().get('keda')!;
    expect([...u.commands].sort()).toEqual(['eval', 'evalsha', 'llen', 'ping', 'select', 'type']);
    expect(u.keys).toEqual([`${PREFIX}:generation:wait`]);
    const [keda] = k8sDocs('autoscaling.yaml');
    expect(keda.spec.triggers[0].metadata.listName).toBe(u.keys[0]);
  });

  it('infra/redis-users.sh refuses placeholder and short passwords, and writes the prefix it is given', () => {
    const run = (env: Record<string, string>) =>
      spawnSync('sh', [join(ROOT, 'infra/redis-users.sh')], {
        env: { PATH: process.env.PATH ?? '', ...env },
        encoding: 'utf8',
      });
    expect(run({ REDIS_PASSWORD_OPS: 'replace-me-0123456789' })).toMatchObject({
      status: 3,
      stderr: expect.stringMatching(/REDIS_PASSWORD_OPS is a placeholder/),
    });
    expect(run({ REDIS_PASSWORD_OPS: 'short' })).toMatchObject({
      status: 3,
      stderr: expect.stringMatching(/REDIS_PASSWORD_OPS is shorter than 16 characters/),
    });
    const rendered = run({ REDIS_PASSWORD_KEDA: 'a-long-enough-password', QUEUE_PREFIX: '{eu}' });
    const keda = rendered.stdout.split('\n').find((l) => l.startsWith('user keda '))!;
    expect(keda).toMatch(/ ~\{eu\}:generation:wait #[0-9a-f]{64}$/);
    expect(rendered.stderr).toMatch(/no password for: generation /);
  });
});

/** Pod labels a NetworkPolicy's podSelector picks. */
function selects(
  selector: {
    matchLabels?: Record<string, string>;
    matchExpressions?: { key: string; operator: string; values: string[] }[];
  },
  labels: Record<string, string>,
): boolean {
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpressions = (selector.matchExpressions ?? []).every(
    (e) => e.operator === 'In' && e.values.includes(labels[e.key] ?? ''),
  );
  return byLabels && byExpressions;
}

interface PolicyPort {
  protocol: string;
  port: number | string;
}
interface PolicyPeer {
  podSelector?: { matchLabels?: Record<string, string> };
  namespaceSelector?: { matchLabels?: Record<string, string> };
  ipBlock?: { cidr: string; except?: string[] };
}
interface Policy {
  metadata: { name: string };
  spec: {
    podSelector: Parameters<typeof selects>[0];
    policyTypes: string[];
    ingress?: { from?: PolicyPeer[]; ports?: PolicyPort[] }[];
    egress?: { to?: PolicyPeer[]; ports?: PolicyPort[] }[];
  };
}

describe('Redis locked down in Kubernetes: a Secret, NetworkPolicies, a restricted Redis, pinned images (S2, S9)', () => {
  const policies = () => k8sDocs('network-policy.yaml') as Policy[];
  const podLabels = (name: string) =>
    deployments().find((d) => d.metadata.name === name)!.spec.template.metadata.labels;
  /** The rules every policy that picks a pod with these labels gives it, in one direction. */
  const rulesFor = (labels: Record<string, string>, direction: 'ingress' | 'egress') =>
    policies()
      .filter((p) => selects(p.spec.podSelector, labels))
      .flatMap((p) => p.spec[direction] ?? []);
  const egressPorts = (labels: Record<string, string>, to: (peer: PolicyPeer) => boolean) =>
    (rulesFor(labels, 'egress') as NonNullable<Policy['spec']['egress']>)
      .filter((r) => (r.to ?? []).some(to))
      .flatMap((r) => (r.ports ?? []).map((p) => `${p.protocol}/${p.port}`))
      .sort();
  const anywhere = (peer: PolicyPeer) => peer.ipBlock?.cidr === '0.0.0.0/0';
  const redisPods = (peer: PolicyPeer) => peer.podSelector?.matchLabels?.app === 'redis';

  it('each Deployment takes REDIS_URL from the Secret faultline-redis, its own key naming its own user; the ConfigMap has none', () => {
    const [config, , , redisSecret] = k8sDocs('config.yaml');
    expect(config.data.REDIS_URL).toBeUndefined();
    expect(redisSecret.metadata.name).toBe('faultline-redis');
    const users = ACL();
    for (const d of deployments()) {
      const name = d.metadata.name as keyof typeof REDIS_USER_OF;
      const c = d.spec.template.spec.containers[0] as Container & {
        env: { name: string; valueFrom?: unknown }[];
        envFrom: { secretRef?: { name: string } }[];
      };
      expect({ name, from: c.env.find((e) => e.name === 'REDIS_URL')?.valueFrom }).toEqual({
        name,
        from: { secretKeyRef: { name: 'faultline-redis', key: name } },
      });
      // Only its own key: the Secret is never handed over whole.
      expect({ name, whole: c.envFrom.some((e) => e.secretRef?.name === 'faultline-redis') }).toEqual({
        name,
        whole: false,
      });
      const url = new URL(redisSecret.stringData[name]);
      expect({ name, user: url.username, host: url.host, protocol: url.protocol }).toEqual({
        name,
        user: REDIS_USER_OF[name],
        host: 'redis.faultline.svc:6379',
        protocol: 'redis:',
      });
      expect(users.get(url.username)?.on).toBe(true);
    }
    // KEDA signs in as its own user, from the same Secret.
    const [scaled, auth] = k8sDocs('autoscaling.yaml');
    expect(scaled.spec.triggers[0].authenticationRef).toEqual({ name: auth.metadata.name });
    expect(auth.kind).toBe('TriggerAuthentication');
    expect(auth.spec.secretTargetRef).toEqual([
      { parameter: 'username', name: 'faultline-redis', key: 'keda-username' },
      { parameter: 'password', name: 'faultline-redis', key: 'keda-password' },
    ]);
    expect(redisSecret.stringData['keda-username']).toBe('keda');
  });

  it('NetworkPolicies: nothing unless allowed; Redis takes Faultline’s pods and KEDA and calls out to nothing', () => {
    const deny = policies().find((p) => p.metadata.name === 'default-deny')!;
    expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    const redisIn = rulesFor({ app: 'redis' }, 'ingress');
    expect(redisIn).toEqual([
      {
        from: [
          { podSelector: { matchLabels: { 'faultline.io/redis-client': 'true' } } },
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'keda' } },
            podSelector: { matchLabels: { app: 'keda-operator' } },
          },
        ],
        ports: [{ protocol: 'TCP', port: 6379 }],
      },
    ]);
    expect(rulesFor({ app: 'redis' }, 'egress')).toEqual([]);
    // A pod that is not Faultline's (another app in the namespace) gets nothing in or out.
    expect(rulesFor({ app: 'something-else' }, 'egress')).toEqual([]);
  });

  it('each service reaches Redis and DNS; HTTPS out for the workers that call providers, Sentry and webhooks, SMTP for the alerter, nothing for ops', () => {
    const dns = (peer: PolicyPeer) => peer.podSelector?.matchLabels?.['k8s-app'] === 'kube-dns';
    const smtpPort = `TCP/${podEnv().SMTP_PORT}`;
    const expected: Record<string, string[]> = {
      'generation-worker': ['TCP/443'],
      'health-probe-worker': ['TCP/443'],
      'alerter-worker': ['TCP/25', 'TCP/443', 'TCP/465', 'TCP/587'],
      ops: [],
    };
    for (const [name, out] of Object.entries(expected)) {
      const labels = podLabels(name);
      expect({ name, redis: egressPorts(labels, redisPods) }).toEqual({ name, redis: ['TCP/6379'] });
      expect({ name, dns: egressPorts(labels, dns) }).toEqual({ name, dns: ['TCP/53', 'UDP/53'] });
      expect({ name, anywhere: egressPorts(labels, anywhere) }).toEqual({ name, anywhere: out });
    }
    expect(egressPorts(podLabels('alerter-worker'), anywhere)).toContain(smtpPort);
    // Out to the internet, never to the cloud's instance metadata (link-local).
    for (const rule of policies().flatMap((p) => p.spec.egress ?? []))
      for (const peer of rule.to ?? [])
        if (peer.ipBlock) expect(peer.ipBlock.except?.length).toBeGreaterThan(0);
    // The HTTP ports are open to callers (Prometheus, an ingress); each asks for its own credentials.
    for (const name of Object.keys(HTTP_SERVICES))
      expect({ name, ports: rulesFor(podLabels(name), 'ingress').flatMap((r) => r.ports ?? []) }).toEqual({
        name,
        ports: [{ protocol: 'TCP', port: 'http' }],
      });
  });

  it('Redis runs as the restricted profile asks, infra/redis.conf verbatim, its users from the Secret redis-acl, its memory above maxmemory', () => {
    const [config, service, statefulSet] = k8sDocs('redis.yaml');
    expect(config.data['redis.conf']).toBe(read('infra/redis.conf'));
    expect(service.spec.ports).toEqual([{ name: 'redis', port: 6379, targetPort: 'redis' }]);
    const pod = statefulSet.spec.template.spec;
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    const [c] = pod.containers;
    expect(c.command).toEqual(['redis-server', '/usr/local/etc/redis/redis.conf']);
    expect(c.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    const mount = (path: string) => {
      const m = c.volumeMounts.find((v: { mountPath: string }) => v.mountPath === path);
      return pod.volumes.find((v: { name: string }) => v.name === m?.name);
    };
    expect(mount('/usr/local/etc/redis')).toMatchObject({ configMap: { name: 'redis-config' } });
    const aclfile = /^aclfile (\S+)$/m.exec(read('infra/redis.conf'))![1]!;
    expect(mount(dirname(aclfile))).toMatchObject({ secret: { secretName: 'redis-acl' } });
    expect(basename(aclfile)).toBe('users.acl');
    expect(c.volumeMounts.map((v: { mountPath: string }) => v.mountPath)).toContain('/data');
    const gib = (q: string) => Number(/^(\d+)Gi$/.exec(q)?.[1] ?? Number.NaN);
    const maxmemoryGb = Number(/^maxmemory (\d+)gb$/m.exec(read('infra/redis.conf'))![1]);
    expect(gib(c.resources.limits.memory)).toBeGreaterThanOrEqual(2 * maxmemoryGb);
  });

  it('every container has a full securityContext, requests and a memory limit; every emptyDir a size limit', () => {
    const [, , statefulSet] = k8sDocs('redis.yaml');
    const pods = [
      ...deployments().map((d) => ({
        name: d.metadata.name,
        spec: d.spec.template.spec as unknown as typeof statefulSet.spec.template.spec,
      })),
      { name: 'redis', spec: statefulSet.spec.template.spec },
    ];
    for (const { name, spec } of pods) {
      expect({ name, pod: spec.securityContext }).toMatchObject({
        name,
        pod: {
          runAsNonRoot: true,
          runAsUser: expect.any(Number),
          seccompProfile: { type: 'RuntimeDefault' },
        },
      });
      for (const c of spec.containers) {
        expect({ name, container: c.securityContext }).toEqual({
          name,
          container: {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ['ALL'] },
          },
        });
        expect({ name, resources: c.resources }).toMatchObject({
          name,
          resources: {
            requests: { cpu: expect.any(String), memory: expect.any(String) },
            limits: { memory: expect.any(String) },
          },
        });
      }
      for (const v of spec.volumes.filter((x: { emptyDir?: unknown }) => x.emptyDir))
        expect({ name, volume: v.name, sizeLimit: v.emptyDir.sizeLimit }).toEqual({
          name,
          volume: v.name,
          sizeLimit: expect.stringMatching(/^\d+Mi$/),
        });
    }
  });

  it('every image is pinned: a release tag or a digest, never latest; Faultline’s is the workspace version everywhere', () => {
    const images = [
      ...readdirSync(join(ROOT, 'infra/k8s'))
        .filter((f) => f.endsWith('.yaml'))
        .flatMap((f) =>
          [...read(`infra/k8s/${f}`).matchAll(/^\s*image:\s*(\S+)/gm)].map((m) => ({
            file: f,
            image: m[1]!,
          })),
        ),
      ...[...read('docker-compose.yml').matchAll(/^\s*image:\s*(\S+)/gm)].map((m) => ({
        file: 'docker-compose.yml',
        image: m[1]!,
      })),
    ];
    expect(images.length).toBeGreaterThanOrEqual(7);
    for (const { file, image } of images)
      expect({
        file,
        image,
        pinned: /^[\w./-]+(:(?!latest$)[\w.-]*\d[\w.-]*|@sha256:[0-9a-f]{64})$/.test(image),
      }).toEqual({
        file,
        image,
        pinned: true,
      });
    const version = JSON.parse(read('services/generation-worker/package.json')).version;
    const ours = images.filter((i) => i.image.startsWith('faultline'));
    expect(ours.map((i) => i.image)).toEqual(ours.map(() => `faultline:${version}`));
    expect(read('infra/README.md')).toContain(`-t faultline:${version} .`);
    // Both run the same Redis release.
    expect(new Set(images.filter((i) => i.image.startsWith('redis')).map((i) => i.image)).size).toBe(1);
  });
});
