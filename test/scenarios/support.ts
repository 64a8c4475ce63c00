/**
 * End-to-end scenarios: what a PERSON receives (mails over real SMTP) and what a PRODUCER sees
 * (`faultline generate` exit codes), through the real `faultline start` (its own redis-server, every
 * service as its own process), the real SDKs against the in-process provider simulator, and a real
 * SMTP server collecting the mail.
 *
 * Part 1 is the harness (startScenario / useScenario); part 2 the provider answers the scenarios
 * script; part 3 the scenarios themselves, shared by their own test files and replicas.test.ts so
 * that "the same mails, once each" with replicas means exactly the same assertions.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  alternate,
  freePorts,
  KEY_REVOKED_401,
  killWithThisProcess,
  modelGone404,
  OK,
  OPENROUTER_NO_CREDITS_402,
  OPENROUTER_UPSTREAM_QUOTA_400,
  OVERLOADED_503,
  type ProviderSimulator,
  plainText,
  pollUntil,
  QUOTA_429,
  type RepoProcess,
  runRepoProcess,
  type SimStep,
  startProviderSimulator,
} from '@faultline/testkit';
import { afterAll, beforeAll, expect } from 'vitest';
import { startSmtpSink } from '../../services/alerter-worker/test/support/smtp-sink.ts';

// ---------------------------------------------------------------------------------------------
// Part 1: the harness
// ---------------------------------------------------------------------------------------------

/** The settings every scenario runs with (see the brief / README scenario table). */
export const GROUP_WAIT_MS = 3_000;
export const RESOLVE_HOLD_MS = 4_000;
export const PROBE_INTERVAL_MS = 1_000;
/** What "in time" allows beyond the setting that governs a notification. */
export const SLACK_MS = 5_000;
/** How long nothing more may arrive after the mail(s) a scenario expects. */
export const QUIET_MS = 12_000;
/** A firing mail: the group wait, the slack, and one probe interval for the failing probe to run. */
export const FIRING_BUDGET_MS = GROUP_WAIT_MS + SLACK_MS + PROBE_INTERVAL_MS;
/** A resolution: the resolve hold, the slack, and one probe interval for the recovering probe to run. */
export const RESOLVED_BUDGET_MS = RESOLVE_HOLD_MS + SLACK_MS + PROBE_INTERVAL_MS;

export const SUBJECT_PREFIX = '🚨 Faultline Alert';
export const subject = (what: string) => `${SUBJECT_PREFIX}: ${what}`;

export const ONCALL = 'oncall@example.com';

export interface ModelEntry {
  id: string;
  provider?: string;
  priority?: 'critical' | 'normal';
  gateway?: string;
}

export interface ExtraProvider {
  name: string;
  gateway?: string;
}

export interface ScenarioOptions {
  /** Names the temporary directory (kept when FAULTLINE_SCENARIO_KEEP=1). */
  name: string;
  models: ModelEntry[];
  /** Providers beside `acme`, all OpenAI-compatible and served by the simulator. */
  providers?: ExtraProvider[];
  /** Extra processes beside the ones `faultline start` runs (1 each). */
  replicas?: { alerters?: number; healthProbes?: number };
  env?: Record<string, string>;
}

export interface Mail {
  subject: string;
  /** The decoded text/plain part, LF line ends. */
  text: string;
  to: string;
  raw: string;
  /** Date.now() when the SMTP server had received it (polled every 25 ms). */
  receivedAt: number;
}

export interface GenerateResult {
  code: number | null;
  output: string;
  /** The run summary's error counts by category, when it printed one. */
  byCategory: Record<string, number> | null;
}

export interface ModelHealthDetail {
  model_id: string;
  provider: string;
  status: string;
  circuit_breaker_state: string;
  probed: boolean;
  [key: string]: unknown;
}

export interface Scenario {
  sim: ProviderSimulator;
  env: Record<string, string>;
  redisUrl: string;
  healthUrl: string;
  /** When every service (and replica) was ready and every model had a healthy probe. */
  readyAt: number;
  /** Scripts a model and returns Date.now(): the moment its failure (or recovery) starts. */
  script(model: string, steps: SimStep | SimStep[]): number;
  mails(): Mail[];
  /** The first mail (from mail number `from`, 0-based) matching `predicate`; fails after `timeoutMs` listing every mail. */
  waitForMail(predicate: (m: Mail) => boolean, timeoutMs: number, from?: number): Promise<Mail>;
  /** Mail number `n` (1-based) in arrival order, whatever it is. */
  nthMail(n: number, timeoutMs: number): Promise<Mail>;
  /** Fails as soon as a mail beyond the ones received now arrives within `ms`. */
  expectNoMoreMail(ms: number, why: string): Promise<void>;
  /** Every mail so far, one line each, with its arrival relative to `t0` (default readyAt). */
  transcript(t0?: number): string;
  generate(args: string[], timeoutMs?: number): Promise<GenerateResult>;
  /** `faultline <args>` with the system's environment; its exit code and output. */
  cli(args: string[], timeoutMs?: number): Promise<{ code: number | null; output: string }>;
  health(): Promise<ModelHealthDetail[]>;
  modelHealth(model: string, provider?: string): Promise<ModelHealthDetail>;
  /** Everything `faultline start` and the replicas printed. */
  logs(): string;
  /**
   * SIGINT to `faultline start` and the replicas, waits for them, then checks that no service, no
   * replica and no redis-server is left. Leftovers are killed and reported by a thrown error.
   */
  stop(): Promise<{ startExitCode: number | null }>;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The body line starting with `prefix`, or undefined. */
export const lineStarting = (mail: Mail, prefix: string) =>
  mail.text.split('\n').find((l) => l.startsWith(prefix));

function summaryCategories(output: string): Record<string, number> | null {
  const json = /^\{\n[\s\S]*?\n\}$/m.exec(output)?.[0];
  if (!json) return null;
  try {
    const summary = JSON.parse(json) as { error_classification?: { by_category?: Record<string, number> } };
    return summary.error_classification?.by_category ?? null;
  } catch {
    return null;
  }
}

async function settle(proc: RepoProcess, timeoutMs: number): Promise<number | null> {
  const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), timeoutMs).unref());
  const result = await Promise.race([proc.exited, timer]);
  if (result !== 'timeout') return result;
  proc.child.kill('SIGKILL');
  await proc.exited;
  return null;
}

const READY = /\bready\b/;

export async function startScenario(opts: ScenarioOptions): Promise<Scenario> {
  const dir = mkdtempSync(join(tmpdir(), `faultline-scenario-${opts.name}-`));
  const sim = await startProviderSimulator();
  const sink = await startSmtpSink();
  const received: Mail[] = [];
  // The sink only keeps what arrived; stamp each mail with the moment we first see it.
  const stamp = () => {
    for (let i = received.length; i < sink.mails.length; i++) {
      const m = sink.mails[i]!;
      const to = /^To: (.*)$/im.exec(m.raw)?.[1]?.trim() ?? '';
      received.push({ subject: m.subject, text: plainText(m.raw), to, raw: m.raw, receivedAt: Date.now() });
    }
  };
  const stamper = setInterval(stamp, 25);
  const mails = () => {
    stamp();
    return [...received];
  };

  const providers = [{ name: 'acme' }, ...(opts.providers ?? [])].map((p) => ({
    name: p.name,
    kind: 'openai',
    baseURL: sim.openaiBaseURL,
    apiKeyEnv: `${p.name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_API_KEY`,
    ...('gateway' in p && p.gateway ? { gateway: p.gateway } : {}),
  }));
  const providersFile = join(dir, 'providers.json');
  writeFileSync(providersFile, JSON.stringify({ providers }, null, 2));
  const modelsFile = join(dir, 'models.json');
  writeFileSync(
    modelsFile,
    JSON.stringify(
      {
        models: opts.models.map((m) => ({
          id: m.id,
          provider: m.provider ?? 'acme',
          priority: m.priority ?? 'normal',
          ...(m.gateway ? { gateway: m.gateway } : {}),
          interval: `${PROBE_INTERVAL_MS}ms`,
          probe: 'completion',
        })),
      },
      null,
      2,
    ),
  );

  const [healthPort, redisPort, opsPort] = await freePorts(3);
  const env: Record<string, string> = {
    FAULTLINE_DATA_DIR: join(dir, 'data'),
    FAULTLINE_REDIS_PORT: String(redisPort),
    HEALTH_PORT: String(healthPort),
    ALERTER_HEALTH_PORT: '0',
    OPS_PORT: String(opsPort),
    FAULTLINE_PROVIDERS_FILE: providersFile,
    FAULTLINE_MODELS_FILE: modelsFile,
    ...Object.fromEntries(providers.map((p) => [p.apiKeyEnv, `sk-${p.name}-scenario-0123456789abcdef`])),
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(sink.port),
    ALERT_TO_EMAILS: ONCALL,
    ALERT_GROUP_WAIT: `${GROUP_WAIT_MS / 1000}s`,
    ALERT_RESOLVE_HOLD: `${RESOLVE_HOLD_MS / 1000}s`,
    BREAKER_FAILURE_THRESHOLD: '2',
    BREAKER_COOLDOWN: '2s',
    BREAKER_SUCCESS_THRESHOLD: '1',
    LOG_FORMAT: 'json',
    // Nothing may land in the repository: the alert file and the (unused) mailbox go to the temp dir.
    ALERT_FILE_PATH: join(dir, 'logs', 'alerts.log'),
    MAILBOX_DIR: join(dir, 'logs', 'mail'),
    ...opts.env,
  };

  const spawned: RepoProcess[] = [];
  const spawn = (args: string[], extraEnv: Record<string, string> = {}) => {
    const proc = runRepoProcess(['packages/cli/src/main.ts', ...args], { ...env, ...extraEnv });
    killWithThisProcess(proc.child);
    spawned.push(proc);
    return proc;
  };

  const start = spawn(['start']);
  const replicas: { name: string; proc: RepoProcess }[] = [];
  let redisUrl = '';
  let redisPid: number | null = null;
  const logs = () =>
    [
      '=== faultline start',
      start.output(),
      ...replicas.map((r) => `=== replica ${r.name} (pid ${r.proc.child.pid})\n${r.proc.output()}`),
    ].join('\n');

  let readyAt = Date.now();
  /** What was scripted when, for the timeline FAULTLINE_SCENARIO_VERBOSE=1 prints at stop. */
  const scripted: { at: number; model: string; steps: string }[] = [];
  const transcript = (t0 = readyAt) =>
    mails()
      .map(
        (m, i) =>
          `  #${i + 1} +${((m.receivedAt - t0) / 1000).toFixed(1)} s  ${m.subject}\n${m.text
            .split('\n')
            .filter((l) =>
              /^(ALERT|RESOLVED|Model|Models|Flapping|Fired and resolved|Resolved after|Occurrences|Source|Details|Reason|Status)\b/.test(
                l,
              ),
            )
            .map((l) => `        | ${l}`)
            .join('\n')}`,
      )
      .join('\n') || '  (no mail)';

  const timeline = () =>
    [
      ...scripted.map((s) => ({ at: s.at, line: `script ${s.model}: ${s.steps}` })),
      ...mails().map((m) => ({ at: m.receivedAt, line: `mail   ${m.subject}` })),
    ]
      .sort((a, b) => a.at - b.at)
      .map((e) => `  +${((e.at - readyAt) / 1000).toFixed(1).padStart(5)} s  ${e.line}`)
      .join('\n');

  let stopped: Promise<{ startExitCode: number | null }> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      stamp();
      clearInterval(stamper);
      if (process.env.FAULTLINE_SCENARIO_VERBOSE)
        console.log(
          `scenario ${opts.name} (t = 0 when every model was healthy):\n${timeline()}\n${transcript()}`,
        );
      const servicePids = [...start.output().matchAll(/started [\w-]+ \(pid (\d+)\)/g)].map((m) =>
        Number(m[1]),
      );
      const replicaPids = replicas.map((r) => r.proc.child.pid!).filter(Boolean);
      for (const r of replicas) if (r.proc.child.exitCode === null) r.proc.child.kill('SIGINT');
      if (start.child.exitCode === null) start.child.kill('SIGINT');
      const [startExitCode] = await Promise.all([
        settle(start, 45_000),
        ...replicas.map((r) => settle(r.proc, 45_000)),
      ]);
      // Other CLI runs (generate, health) that a failed test left running.
      for (const p of spawned)
        if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
      const watched = [...servicePids, ...replicaPids, ...(redisPid ? [redisPid] : [])];
      const gone = () => watched.every((pid) => !alive(pid));
      await pollUntil('every service, replica and redis-server to exit', gone, { timeoutMs: 15_000 }).catch(
        () => {},
      );
      const left = watched.filter(alive);
      for (const pid of left) process.kill(pid, 'SIGKILL');
      const redisPort = Number(env.FAULTLINE_REDIS_PORT);
      const redisStillUp = await portAnswers(redisPort);
      await sim.close();
      await sink.stop();
      if (!process.env.FAULTLINE_SCENARIO_KEEP) rmSync(dir, { recursive: true, force: true });
      else writeFileSync(join(dir, 'output.log'), logs());
      const problems = [
        ...(left.length ? [`processes left behind (killed now): ${left.join(', ')}`] : []),
        ...(redisStillUp ? [`something still listens on the Redis port ${redisPort}`] : []),
        ...(startExitCode !== 0 ? [`faultline start exited with ${startExitCode}, not 0`] : []),
      ];
      if (problems.length) throw new Error(`stop: ${problems.join('; ')}\n${logs().slice(-4000)}`);
      return { startExitCode };
    })();
    return stopped;
  };

  const failStart = async (error: unknown): Promise<never> => {
    const output = logs();
    await stop().catch(() => {});
    throw new Error(`${(error as Error).message}\n--- output (tail) ---\n${output.slice(-6000)}`);
  };

  const healthUrl = `http://127.0.0.1:${healthPort}/api/monitoring/health?detail=true`;
  const health = async (): Promise<ModelHealthDetail[]> => {
    const res = await fetch(healthUrl);
    const body = (await res.json()) as { details?: ModelHealthDetail[] };
    return body.details ?? [];
  };

  try {
    await pollUntil(
      '"all services ready" from faultline start',
      () => start.output().includes('all services ready') || start.child.exitCode !== null,
      { timeoutMs: 60_000, intervalMs: 50 },
    );
    if (!start.output().includes('all services ready'))
      throw new Error(`faultline start exited (${start.child.exitCode}) before it was ready`);
    redisUrl = /started redis-server on (redis:\/\/[^\s]+)/.exec(start.output())?.[1] ?? '';
    if (!redisUrl) throw new Error('faultline start did not say which Redis it started');
    try {
      redisPid = Number(readFileSync(join(dir, 'data', 'redis', 'redis.pid'), 'utf8').trim()) || null;
    } catch {}

    const replicaEnv = { REDIS_URL: redisUrl, HEALTH_PORT: '0' };
    for (let i = 0; i < (opts.replicas?.alerters ?? 0); i++)
      replicas.push({ name: `alerter-${i + 2}`, proc: spawn(['worker', 'alerter'], replicaEnv) });
    for (let i = 0; i < (opts.replicas?.healthProbes ?? 0); i++)
      replicas.push({ name: `health-probe-${i + 2}`, proc: spawn(['worker', 'health-probe'], replicaEnv) });
    for (const r of replicas) {
      await pollUntil(
        `replica ${r.name} to be ready`,
        () => READY.test(r.proc.output()) || r.proc.child.exitCode !== null,
        { timeoutMs: 60_000, intervalMs: 50 },
      );
      if (r.proc.child.exitCode !== null) throw new Error(`replica ${r.name} exited before it was ready`);
    }

    // The harness works only if the probes run and every model starts healthy (all answer 200 now).
    let last: ModelHealthDetail[] = [];
    await pollUntil(
      'a healthy probe of every model',
      async () => {
        last = await health().catch(() => []);
        return opts.models.every((m) =>
          last.some(
            (d) =>
              d.model_id === m.id &&
              d.provider === (m.provider ?? 'acme') &&
              d.probed &&
              d.status === 'healthy' &&
              d.circuit_breaker_state === 'closed',
          ),
        );
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    ).catch((error: Error) => {
      throw new Error(`${error.message}; last health: ${JSON.stringify(last)}`);
    });
  } catch (error) {
    return failStart(error);
  }

  readyAt = Date.now();

  const waitForMail = async (predicate: (m: Mail) => boolean, timeoutMs: number, from = 0) => {
    let found: Mail | undefined;
    await pollUntil(
      'the mail',
      () => {
        found = mails().slice(from).find(predicate);
        return found !== undefined;
      },
      { timeoutMs, intervalMs: 25 },
    ).catch(() => {
      throw new Error(`no matching mail within ${timeoutMs} ms; mails received:\n${transcript()}`);
    });
    return found!;
  };

  const cli = async (args: string[], timeoutMs = 60_000) => {
    const proc = spawn(args, { REDIS_URL: redisUrl });
    const code = await settle(proc, timeoutMs);
    return { code, output: proc.output() };
  };

  return {
    sim,
    env: { ...env, REDIS_URL: redisUrl },
    redisUrl,
    healthUrl,
    readyAt,
    script(model, steps) {
      sim.script(model, steps);
      const list = Array.isArray(steps) ? steps : [steps];
      const shown = list
        .slice(0, 4)
        .map((st) => (st.kind === 'http' ? String(st.status) : st.kind))
        .join(', ');
      scripted.push({
        at: Date.now(),
        model,
        steps: list.length > 4 ? `${shown}, … (${list.length} steps)` : shown,
      });
      return Date.now();
    },
    mails,
    waitForMail,
    nthMail: (n, timeoutMs) => waitForMail(() => true, timeoutMs, n - 1),
    async expectNoMoreMail(ms, why) {
      const before = mails().length;
      const deadline = Date.now() + ms;
      while (Date.now() < deadline) {
        if (mails().length > before)
          throw new Error(`${why}: mail #${before + 1} arrived; mails received:\n${transcript()}`);
        await sleep(50);
      }
    },
    transcript,
    async generate(args, timeoutMs = 60_000) {
      const { code, output } = await cli(
        ['generate', '--timeout', String(Math.ceil(timeoutMs / 1000) - 5), ...args],
        timeoutMs,
      );
      return { code, output, byCategory: summaryCategories(output) };
    },
    cli,
    health,
    async modelHealth(model, provider = 'acme') {
      const detail = (await health()).find((d) => d.model_id === model && d.provider === provider);
      if (!detail) throw new Error(`no health for ${provider}/${model}`);
      return detail;
    },
    logs,
    stop,
  };
}

/**
 * One system per describe block: started before its tests, stopped after them whatever happened.
 * Returns a getter (the system exists only once beforeAll ran).
 */
export function useScenario(opts: ScenarioOptions): () => Scenario {
  let sys: Scenario | undefined;
  beforeAll(async () => {
    sys = await startScenario(opts);
  }, 150_000);
  afterAll(async () => {
    await sys?.stop();
  }, 90_000);
  return () => {
    if (!sys) throw new Error('the scenario system did not start (see the beforeAll error)');
    return sys;
  };
}

// ---------------------------------------------------------------------------------------------
// Part 2: what the simulated provider answers
// ---------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------
// Part 3: the scenarios (each file runs one; replicas.test.ts runs several with replicas)
// ---------------------------------------------------------------------------------------------

/** Asserts the mail arrived within `budgetMs` of `t0`, saying how late it was. */
export function expectWithin(sys: Scenario, mail: Mail, t0: number, budgetMs: number, what: string) {
  const took = mail.receivedAt - t0;
  expect(
    took,
    `${what} arrived ${(took / 1000).toFixed(1)} s after the failure started (allowed ${budgetMs / 1000} s)\n${sys.transcript(t0)}`,
  ).toBeLessThanOrEqual(budgetMs);
}

function expectSubjects(sys: Scenario, t0: number, subjects: string[], why: string) {
  expect(
    sys.mails().map((m) => m.subject),
    `${why}\n${sys.transcript(t0)}`,
  ).toEqual(subjects);
}

function expectLine(sys: Scenario, mail: Mail, t0: number, line: string | RegExp) {
  const lines = mail.text.split('\n');
  const ok = typeof line === 'string' ? lines.includes(line) : lines.some((l) => line.test(l));
  expect(
    ok,
    `mail "${mail.subject}" has no line ${String(line)}:\n${mail.text}\n\n${sys.transcript(t0)}`,
  ).toBe(true);
}

async function expectGenerate(sys: Scenario, args: string[], expected: number, what: string) {
  const run = await sys.generate(args);
  expect(
    run.code,
    `${what}: \`faultline generate ${args.join(' ')}\` exited ${run.code}, expected ${expected}; errors by category ${JSON.stringify(run.byCategory)}\n${run.output.slice(-1500)}`,
  ).toBe(expected);
}

/** Samples a model's health every `everyMs` while `during` runs; every sample must be healthy and closed. */
async function expectStaysHealthy<T>(
  sys: Scenario,
  model: string,
  during: Promise<T>,
  everyMs = 500,
): Promise<T> {
  let done = false;
  const samples: ModelHealthDetail[] = [];
  const sampler = (async () => {
    while (!done) {
      samples.push(await sys.modelHealth(model));
      await sleep(everyMs);
    }
  })();
  try {
    return await during;
  } finally {
    done = true;
    await sampler;
    const bad = samples.filter((s) => s.status !== 'healthy' || s.circuit_breaker_state !== 'closed');
    expect(
      bad,
      `${model} answers every call, yet was seen failing in ${bad.length} of ${samples.length} health samples`,
    ).toEqual([]);
  }
}

export const scenarios = {
  /** 1. One model of the key out of quota beside a working one. */
  perModelBilling: {
    models: [
      { id: 'good-model', priority: 'critical' },
      { id: 'broke-model', priority: 'normal' },
    ] satisfies ModelEntry[],
    async run(sys: Scenario): Promise<void> {
      const t0 = sys.script('broke-model', QUOTA_429);
      const mail = await sys.nthMail(1, FIRING_BUDGET_MS + 10_000);
      expect(mail.subject, sys.transcript(t0)).toBe(subject('Billing Quota (acme)'));
      expectWithin(sys, mail, t0, FIRING_BUDGET_MS, 'the billing mail');
      expect(mail.to).toContain(ONCALL);
      expectLine(sys, mail, t0, 'Model: broke-model');
      expect(mail.text, 'the working model is not named as failing').not.toMatch(/good-model/);

      // While broke-model keeps failing and good-model keeps answering (traffic on both): nothing
      // more, above all no "Resolved" because a sibling of the key works.
      await expectStaysHealthy(
        sys,
        'good-model',
        Promise.all([
          sys.expectNoMoreMail(QUIET_MS, 'no further mail while broke-model stays out of quota'),
          expectGenerate(
            sys,
            ['--provider', 'acme', '--model', 'good-model', '--count', '3'],
            0,
            'traffic on the working model',
          ),
          expectGenerate(
            sys,
            ['--provider', 'acme', '--model', 'broke-model', '--count', '3'],
            5,
            'traffic on the model out of quota',
          ),
        ]),
      );
      expectSubjects(sys, t0, [subject('Billing Quota (acme)')], 'exactly one mail');
      const good = await sys.modelHealth('good-model');
      expect(good.circuit_breaker_state).toBe('closed');
      expect(good.status).toBe('healthy');
    },
  },

  /** 2. The key's credit runs out: every model fails, then every model answers again. */
  keyCreditExhausted: {
    models: [{ id: 'broke-a' }, { id: 'broke-b' }] satisfies ModelEntry[],
    async run(sys: Scenario): Promise<void> {
      const t0 = sys.script('broke-a', QUOTA_429);
      sys.script('broke-b', QUOTA_429);
      const firing = await sys.nthMail(1, FIRING_BUDGET_MS + 10_000);
      expect(firing.subject, sys.transcript(t0)).toBe(subject('Billing Quota (acme)'));
      expectWithin(sys, firing, t0, FIRING_BUDGET_MS, 'the billing mail');
      expectLine(sys, firing, t0, 'Models: broke-a, broke-b');
      await sys.expectNoMoreMail(6_000, 'one mail for the key, however many models and probes fail');

      const t1 = sys.script('broke-a', OK);
      sys.script('broke-b', OK);
      const resolved = await sys.nthMail(2, RESOLVED_BUDGET_MS + 10_000);
      expect(resolved.subject, sys.transcript(t0)).toBe(subject('Resolved: Billing Quota (acme)'));
      expectWithin(sys, resolved, t1, RESOLVED_BUDGET_MS, 'the resolution');
      expectLine(sys, resolved, t0, 'Models: broke-a, broke-b');
      await sys.expectNoMoreMail(6_000, 'nothing after the resolution');
      expectSubjects(
        sys,
        t0,
        [subject('Billing Quota (acme)'), subject('Resolved: Billing Quota (acme)')],
        'exactly two mails',
      );
    },
  },

  /** 3. The key is revoked while traffic flows: probes and traffic fail together. */
  keyRevokedMidTraffic: {
    models: [{ id: 'chat-a' }, { id: 'chat-b' }] satisfies ModelEntry[],
    async run(sys: Scenario): Promise<void> {
      const gen = (model: string, expected: number, what: string) =>
        expectGenerate(sys, ['--provider', 'acme', '--model', model, '--count', '4'], expected, what);
      await Promise.all([gen('chat-a', 0, 'traffic before'), gen('chat-b', 0, 'traffic before')]);
      expect(sys.mails(), 'no mail while everything works').toEqual([]);

      const t0 = sys.script('chat-a', KEY_REVOKED_401);
      sys.script('chat-b', KEY_REVOKED_401);
      const [mail] = await Promise.all([
        sys.nthMail(1, FIRING_BUDGET_MS + 10_000),
        gen('chat-a', 6, 'traffic right after the key was revoked'),
        gen('chat-b', 6, 'traffic right after the key was revoked'),
      ]);
      expect(mail.subject, sys.transcript(t0)).toBe(subject('Authentication (acme)'));
      expectWithin(sys, mail, t0, FIRING_BUDGET_MS, 'the authentication mail');
      expectLine(sys, mail, t0, 'Models: chat-a, chat-b');
      await Promise.all([
        sys.expectNoMoreMail(QUIET_MS - 2_000, 'one mail although probes and traffic both fail'),
        gen('chat-a', 6, 'a generate run during the incident'),
      ]);
      expectSubjects(sys, t0, [subject('Authentication (acme)')], 'exactly one mail');
    },
  },

  /** 4. A model is decommissioned beside a working one, then answers again. */
  modelDecommissioned: {
    models: [{ id: 'old-model' }, { id: 'new-model' }] satisfies ModelEntry[],
    async run(sys: Scenario): Promise<void> {
      const t0 = sys.script('old-model', modelGone404('old-model'));
      const firing = await sys.nthMail(1, FIRING_BUDGET_MS + 10_000);
      expect(firing.subject, sys.transcript(t0)).toBe(subject('Model Error (acme)'));
      // The breaker needs BREAKER_FAILURE_THRESHOLD (2) probes: one more interval than a key failure.
      expectWithin(sys, firing, t0, FIRING_BUDGET_MS + PROBE_INTERVAL_MS, 'the model error mail');
      expectLine(sys, firing, t0, 'Model: old-model');
      await expectStaysHealthy(
        sys,
        'new-model',
        sys.expectNoMoreMail(6_000, 'one mail for the decommissioned model'),
      );

      const t1 = sys.script('old-model', OK);
      const resolved = await sys.nthMail(2, RESOLVED_BUDGET_MS + 10_000);
      expect(resolved.subject, sys.transcript(t0)).toBe(subject('Resolved: Model Error (acme)'));
      expectWithin(sys, resolved, t1, RESOLVED_BUDGET_MS, 'the resolution');
      expectLine(sys, resolved, t0, 'Model: old-model');
      await sys.expectNoMoreMail(5_000, 'nothing after the resolution');
      expectSubjects(
        sys,
        t0,
        [subject('Model Error (acme)'), subject('Resolved: Model Error (acme)')],
        'exactly two mails',
      );
    },
  },

  /** 5. The provider is down: every model answers 503, then every model answers again. */
  providerOutage: {
    models: [{ id: 'alpha' }, { id: 'beta' }, { id: 'gamma' }] satisfies ModelEntry[],
    async run(sys: Scenario): Promise<void> {
      const t0 = sys.script('alpha', OVERLOADED_503);
      for (const m of ['beta', 'gamma']) sys.script(m, OVERLOADED_503);
      const firing = await sys.nthMail(1, FIRING_BUDGET_MS + 10_000);
      expect(firing.subject, sys.transcript(t0)).toBe(subject('Server Error (acme)'));
      expectWithin(sys, firing, t0, FIRING_BUDGET_MS, 'the outage mail');
      expectLine(sys, firing, t0, 'Models: alpha, beta, gamma');
      await sys.expectNoMoreMail(8_000, 'one mail for the outage, not one per model');

      const t1 = sys.script('alpha', OK);
      for (const m of ['beta', 'gamma']) sys.script(m, OK);
      const resolved = await sys.nthMail(2, RESOLVED_BUDGET_MS + 10_000);
      expect(resolved.subject, sys.transcript(t0)).toBe(subject('Resolved: Server Error (acme)'));
      expectWithin(sys, resolved, t1, RESOLVED_BUDGET_MS, 'the resolution');
      await sys.expectNoMoreMail(6_000, 'nothing after the resolution');
      expectSubjects(
        sys,
        t0,
        [subject('Server Error (acme)'), subject('Resolved: Server Error (acme)')],
        'exactly two mails',
      );
    },
  },

  /**
   * 6a. Models failing every other probe: one "Flapping" mail each, not a mail per flap, whether the
   * failure is CRITICAL (a key out of quota) or would not page on its own (one normal model's 503s).
   * A steady model keeps it from being a provider outage.
   */
  flapping: {
    models: [
      { id: 'flappy', priority: 'critical' },
      { id: 'flappy-5xx', priority: 'normal' },
      { id: 'steady', priority: 'normal' },
    ] satisfies ModelEntry[],
    async run(sys: Scenario): Promise<void> {
      // 200 probes (200 s at 1 s) of fail, answer, fail, answer…: far longer than the test.
      const t0 = sys.script('flappy', alternate([QUOTA_429, OK], 200));
      sys.script('flappy-5xx', alternate([OVERLOADED_503, OK], 200));
      const expected = [subject('Flapping: Billing Quota (acme)'), subject('Flapping: Server Error (acme)')];
      for (const want of expected) {
        const mail = await sys.waitForMail((m) => m.subject === want, FIRING_BUDGET_MS + 10_000);
        expectWithin(sys, mail, t0, FIRING_BUDGET_MS, `the mail ${want}`);
        expectLine(sys, mail, t0, /^Flapping: fired \d+ times?\b/);
        const fired = Number(/^Flapping: fired (\d+) time/m.exec(mail.text)?.[1]);
        expect(fired, `it fired more than once before the mail:\n${mail.text}`).toBeGreaterThanOrEqual(2);
      }
      await sys.expectNoMoreMail(QUIET_MS, 'no further mail while they keep flapping');
      expect(
        sys
          .mails()
          .map((m) => m.subject)
          .sort(),
        sys.transcript(t0),
      ).toEqual([...expected].sort());
    },
  },

  /** 6b. A critical incident that fails once and recovers before its first mail: one mail saying both. */
  firedAndResolved: {
    models: [{ id: 'blip', priority: 'critical' }] satisfies ModelEntry[],
    async run(sys: Scenario): Promise<void> {
      const t0 = sys.script('blip', [QUOTA_429, OK]);
      const mail = await sys.nthMail(1, FIRING_BUDGET_MS + 10_000);
      expect(mail.subject, sys.transcript(t0)).toBe(subject('Fired and resolved: Billing Quota (acme)'));
      expectWithin(sys, mail, t0, FIRING_BUDGET_MS, 'the fired-and-resolved mail');
      expectLine(sys, mail, t0, /^Fired and resolved:/);
      await sys.expectNoMoreMail(QUIET_MS - 2_000, 'nothing after it');
      expect(sys.mails()).toHaveLength(1);
    },
  },

  /** 7. A gateway relays the upstream's billing errors in its own wrapping. */
  gatewayWrappedBilling: {
    providers: [{ name: 'gw', gateway: 'openrouter' }] satisfies ExtraProvider[],
    models: [
      { id: 'openai/gpt-4o-mini', provider: 'gw', gateway: 'openrouter' },
      { id: 'anthropic/claude-3.5-haiku', provider: 'gw', gateway: 'openrouter' },
    ] satisfies ModelEntry[],
    async run(sys: Scenario): Promise<void> {
      const t0 = sys.script('openai/gpt-4o-mini', OPENROUTER_UPSTREAM_QUOTA_400);
      sys.script('anthropic/claude-3.5-haiku', OPENROUTER_NO_CREDITS_402);
      const mail = await sys.nthMail(1, FIRING_BUDGET_MS + 10_000);
      expect(mail.subject, sys.transcript(t0)).toBe(subject('Billing Quota (gw)'));
      expectWithin(sys, mail, t0, FIRING_BUDGET_MS, 'the billing mail');
      expectLine(sys, mail, t0, 'Models: anthropic/claude-3.5-haiku, openai/gpt-4o-mini');
      await Promise.all([
        sys.expectNoMoreMail(8_000, 'one mail for the gateway key'),
        expectGenerate(
          sys,
          ['--provider', 'gw', '--model', 'openai/gpt-4o-mini', '--count', '2'],
          5,
          'traffic through the gateway',
        ),
      ]);
      expectSubjects(sys, t0, [subject('Billing Quota (gw)')], 'exactly one mail');
    },
  },
};

export type ScenarioName = keyof typeof scenarios;

/** The options to run scenario `name` with, optionally with replicas. */
export function optionsFor(name: ScenarioName, replicas?: ScenarioOptions['replicas']): ScenarioOptions {
  const s = scenarios[name] as { models: ModelEntry[]; providers?: ExtraProvider[] };
  return {
    name,
    models: s.models,
    ...(s.providers ? { providers: s.providers } : {}),
    ...(replicas ? { replicas } : {}),
  };
}

/** Per test: the system's start-up, the scenario, and margin, on a loaded 2-core machine. */
export const SCENARIO_TIMEOUT_MS = 85_000;
