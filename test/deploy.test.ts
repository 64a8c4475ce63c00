import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { AlerterConfig } from '@faultline/alerter-worker/config';
import { GenerationConfig } from '@faultline/generation-worker/config';
import { HealthProbeConfig } from '@faultline/health-probe-worker/config';
import { readModelsFile } from '@faultline/health-probe-worker/models';
import { OpsConfig } from '@faultline/ops/config';
import { assertEvictionPolicy, createRedis, loadConfig, REQUIRED_EVICTION_POLICY } from '@faultline/runtime';
import { freePort, killWithThisProcess, pollUntil, redisAnswers } from '@faultline/testkit';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';

// No Docker engine or cluster here: these keep the deploy files in step with the code instead.
const ROOT = resolve(import.meta.dirname, '..');
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');
const workspaceDirs = ['packages', 'services']
  .flatMap((d) => readdirSync(join(ROOT, d)).map((x) => `${d}/${x}`))
  .concat(['bench', 'test'])
  .filter((d) => existsSync(join(ROOT, d, 'package.json')));

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

  it('every compose service runs an entry point that exists, against the compose Redis', () => {
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
    for (const [, svc] of faultline) {
      expect(existsSync(join(ROOT, svc.command!.at(-1)!))).toBe(true);
      expect(svc.environment?.REDIS_URL).toBe('redis://redis:6379');
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
    expect(Object.keys(GenerationConfig.shape).filter((k) => /PORT|HOST/.test(k))).toEqual([]);
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
        // tsx keeps its compile cache in the temporary directory.
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
        selector: { matchLabels: d.spec.template.metadata.labels },
      });
    }
  });

  it('WATCHDOG_URL is documented, commented out, in the ConfigMap: the alerter runs without it', () => {
    expect(read('infra/k8s/config.yaml')).toMatch(/^ {2}# WATCHDOG_URL: https:\/\//m);
    expect(podEnv().WATCHDOG_URL).toBeUndefined();
    expect(loadConfig(AlerterConfig, podEnv()).WATCHDOG_URL).toBeUndefined();
  });

  it('every Kubernetes deployment runs an entry point that exists; HTTP services are probed on /health', () => {
    const docs = parseAllDocuments(read('infra/k8s/deployments.yaml')).map((d) => d.toJS());
    for (const doc of docs) {
      const container = doc.spec.template.spec.containers[0];
      expect(existsSync(join(ROOT, container.command.at(-1)))).toBe(true);
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
    'as redis-server reads it: noeviction and a maxmemory in force, AOF on, accepted by the services’ start-up check',
    async () => {
      const port = await freePort();
      const dir = mkdtempSync(join(tmpdir(), 'faultline-redis-conf-'));
      // The file as deployed; only where it listens and writes changes for the test.
      const child = spawn(
        'redis-server',
        [join(ROOT, 'infra/redis.conf'), '--port', String(port), '--bind', '127.0.0.1', '--dir', dir],
        { stdio: 'ignore' },
      );
      killWithThisProcess(child);
      const url = `redis://127.0.0.1:${port}`;
      const redis = createRedis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
      try {
        await pollUntil('redis-server with infra/redis.conf to answer', () =>
          redisAnswers('127.0.0.1', port),
        );
        await redis.connect();
        const get = async (name: string) => ((await redis.config('GET', name)) as string[])[1];
        expect(await get('maxmemory-policy')).toBe('noeviction');
        expect(Number(await get('maxmemory'))).toBeGreaterThan(0);
        expect(await get('appendonly')).toBe('yes');
        await expect(assertEvictionPolicy(url)).resolves.toBeNull();
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

describe('the image (S8): a current LTS, production dependencies, code read-only for its user', () => {
  const dockerfile = read('infra/Dockerfile');
  const ignore = read('.dockerignore')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const arg = (name: string) => new RegExp(`^ARG ${name}=(\\S+)$`, 'm').exec(dockerfile)?.[1];
  const runtimeStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));

  it('every stage is the same pinned Node release, of an LTS line with at least six months of support left', () => {
    const image = arg('NODE_IMAGE');
    const [, major, tag] = /^node:(\d+)\.\d+\.\d+(-[a-z]+-slim)$/.exec(image ?? '') ?? [];
    expect({ image, pinnedSlim: Boolean(tag) }).toEqual({ image, pinnedSlim: true });
    const froms = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
    expect(froms.length).toBeGreaterThan(1);
    for (const from of froms) expect(from).toMatch(/^\$\{NODE_IMAGE\}$/);
    const endOfLife = NODE_END_OF_LIFE[Number(major)];
    // A line missing here is either not LTS (odd lines before 27) or new: add it from the schedule.
    expect({ major, endOfLife: endOfLife ?? 'not a known LTS line' }).toMatchObject({ major });
    expect(Date.parse(endOfLife!) - Date.now()).toBeGreaterThan(183 * 86_400_000);
  });

  it('installs production dependencies only, from the frozen lockfile; tsx at the lockfile version', () => {
    const installs = [...dockerfile.matchAll(/^RUN pnpm install (.*)$/gm)].map((m) => m[1]!);
    expect(installs).toHaveLength(1);
    expect(installs[0]).toMatch(/--frozen-lockfile/);
    expect(installs[0]).toMatch(/--prod\b/);
    // tsx runs the TypeScript but is a root devDependency, so the image installs it on its own.
    const locked = /\n {6}tsx:\n {8}specifier: \S+\n {8}version: (\S+)/.exec(read('pnpm-lock.yaml'))?.[1];
    expect(arg('TSX_VERSION')).toBe(locked);
    expect(JSON.parse(read('package.json')).devDependencies.tsx).toBeDefined();
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
      'packages/testkit/src/index.ts',
      'infra/users.acl',
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
      'examples/models.yaml',
      '.env.example',
      'tsconfig.json',
    ])
      expect({ path, ignored: dockerIgnores(ignore, path) }).toEqual({ path, ignored: false });
  });
});
