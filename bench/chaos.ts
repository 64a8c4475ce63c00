/**
 * Measured proof (issue 13): mixed traffic for CHAOS_SECONDS (default 60) through 2 generation, 3
 * alerter and 1 health-probe worker processes against one Redis with AOF (fsync everysec), while
 *   - a random worker process is SIGKILLed every 20 s (and started again),
 *   - Redis is restarted (SIGTERM, same port and data directory) every 2 min,
 *   - the SMTP server goes down for 30 s every 3 min,
 * the last two scaled down for short runs so each happens at least once in 60 s. Then the system
 * settles and what the SMTP server received is compared with what should have been sent:
 *   - every e-mail delivery job in Redis (any state) and every `delivered` mark of one,
 *   - every group Redis says people were told of (its firing, and its resolution once it resolved),
 *   - what the traffic guarantees: each failing provider key (and each decommissioned model) gets a mail.
 * Prints expected, received, lost, duplicated, the delay from a group's first event to its mail and
 * the faults performed; exits 1 when something was lost or sent twice, 2 when the bench itself failed.
 *
 * Run: CHAOS_SECONDS=60 node --conditions=development --import tsx bench/chaos.ts
 * Settings: CHAOS_SEED (fault and victim choice), CHAOS_KEEP=1 (keep the directory with every
 * process's log), CHAOS_SETTLE_SECONDS (default 90), CHAOS_REDIS_DOWN_MS (default 3000),
 * CHAOS_REDIS_KILL=1 (SIGKILL Redis instead of its orderly SIGTERM shutdown: beyond the promise,
 * fsync everysec may lose its last second of writes).
 */

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createGenerationClient } from '@faultline/client';
import { BACKOFF_TYPE, createRedis, listAlertGroups, QUEUES, redisKeys } from '@faultline/runtime';
import {
  KEY_REVOKED_401,
  killWithThisProcess,
  modelGone404,
  OK,
  OVERLOADED_503,
  QUOTA_429,
  type RepoProcess,
  runRepoProcess,
  type SimStep,
  startProviderSimulator,
  startTestRedis,
  type TestRedis,
} from '@faultline/testkit';
import { type Job, Queue } from 'bullmq';
import { type ChaosMail, type ChaosSmtp, startChaosSmtp } from './chaos-smtp.ts';

// ---------------------------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------------------------

const CHAOS_S = Number(process.env.CHAOS_SECONDS ?? 60);
if (!Number.isFinite(CHAOS_S) || CHAOS_S < 20) {
  console.error('CHAOS_SECONDS must be a number of seconds, at least 20');
  process.exit(2);
}
const SEED = Number(process.env.CHAOS_SEED ?? Date.now() % 1_000_000);
const SETTLE_S = Number(process.env.CHAOS_SETTLE_SECONDS ?? 90);
const KEEP = process.env.CHAOS_KEEP === '1';
const CHAOS_MS = CHAOS_S * 1000;

/** The full-length schedule (a 10-minute run) and its scaled-down form for shorter runs. */
const KILL_EVERY_MS = 20_000;
const REDIS_EVERY_MS = Math.min(120_000, CHAOS_MS / 2);
const REDIS_DOWN_MS = Number(process.env.CHAOS_REDIS_DOWN_MS ?? 3000);
/** CHAOS_REDIS_KILL=1: SIGKILL Redis instead of SIGTERM (its last second of AOF writes may be lost). */
const REDIS_KILL = process.env.CHAOS_REDIS_KILL === '1';
const SMTP_EVERY_MS = Math.min(180_000, CHAOS_MS);
const SMTP_DOWN_MS = Math.min(30_000, SMTP_EVERY_MS / 2);
/** A new set of failing provider keys (and a new decommissioned model) every WAVE_MS. */
const WAVE_MS = 5000;
const WAVES = Math.max(1, Math.floor((CHAOS_MS - 3000) / WAVE_MS));
const JOBS_PER_WAVE = 3;
/** Health-probe cycles: fail for PROBE_FAIL_MS, then answer for PROBE_OK_MS. */
const PROBE_FAIL_MS = 10_000;
const PROBE_OK_MS = 10_000;

const PREFIX = '{faultline}';

/** What the services run with, besides Redis, files and ports. */
const SERVICE_SETTINGS: Record<string, string> = {
  ALERT_GROUP_WAIT: '2s',
  ALERT_RESOLVE_HOLD: '3s',
  ALERT_RESOLVE_AFTER: '8s',
  ALERT_MAX_PER_HOUR: '100000',
  DELIVERY_BACKOFF_MAX: '10s',
  DELIVERY_TIMEOUT: '5s',
  BREAKER_FAILURE_THRESHOLD: '2',
  BREAKER_COOLDOWN: '2s',
  BREAKER_SUCCESS_THRESHOLD: '1',
  SCHEDULER_RECONCILE_INTERVAL: '5s',
  GENERATION_LOCK_DURATION: '10s',
  GENERATION_TIMEOUT: '5s',
  GENERATION_CONCURRENCY: '20',
};

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

/** mulberry32: the same seed picks the same victims. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = prng(SEED);

const T0 = Date.now();
const elapsed = () => ((Date.now() - T0) / 1000).toFixed(1).padStart(5);
const log = (line: string) => console.log(`[${elapsed()} s] ${line}`);

const pct = (xs: number[], p: number) => {
  if (!xs.length) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]!;
};
const secs = (ms: number) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : '-');

// ---------------------------------------------------------------------------------------------
// Worker processes: started, SIGKILLed, started again; every incarnation's log kept
// ---------------------------------------------------------------------------------------------

type Kind = 'generation' | 'alerter' | 'health-probe';
const ENTRY: Record<Kind, string> = {
  generation: 'services/generation-worker/src/main.ts',
  alerter: 'services/alerter-worker/src/main.ts',
  'health-probe': 'services/health-probe-worker/src/main.ts',
};
const READY: Record<Kind, string> = {
  generation: 'generation worker ready',
  alerter: 'alerter worker ready',
  'health-probe': 'health-probe worker ready',
};

interface Service {
  name: string;
  kind: Kind;
  proc?: RepoProcess;
  incarnation: number;
  ready: boolean;
  /** Set while we kill it on purpose (chaos or the final stop): its exit is not a finding. */
  killing: boolean;
  starting?: Promise<void>;
  /** Start attempts that exited before ready (Redis down at that moment, say): retried. */
  refusedStarts: number;
  unexpectedExits: { at: string; code: number | null; signal: string | null; tail: string }[];
}

// ---------------------------------------------------------------------------------------------
// Everything this bench starts, and how it is stopped whatever happens
// ---------------------------------------------------------------------------------------------

let dir = '';
let redis: TestRedis | undefined;
let smtp: ChaosSmtp | undefined;
let sim: Awaited<ReturnType<typeof startProviderSimulator>> | undefined;
const services: Service[] = [];
let stopping = false;
const timers: NodeJS.Timeout[] = [];
const closers: (() => Promise<unknown>)[] = [];

function saveLog(svc: Service): void {
  if (!svc.proc || !dir) return;
  try {
    writeFileSync(join(dir, 'logs', `${svc.name}.${svc.incarnation}.log`), svc.proc.output());
  } catch {}
}

let cleaned: Promise<void> | undefined;
function cleanup(): Promise<void> {
  cleaned ??= (async () => {
    stopping = true;
    for (const t of timers) clearTimeout(t);
    for (const close of closers.splice(0)) await close().catch(() => {});
    const running = services.filter(
      (s) => s.proc && s.proc.child.exitCode === null && s.proc.child.signalCode === null,
    );
    for (const s of running) {
      s.killing = true;
      s.proc!.child.kill('SIGTERM');
    }
    await Promise.race([Promise.all(running.map((s) => s.proc!.exited)), sleep(10_000)]);
    for (const s of running)
      if (s.proc!.child.exitCode === null && s.proc!.child.signalCode === null) s.proc!.child.kill('SIGKILL');
    await Promise.race([Promise.all(running.map((s) => s.proc!.exited)), sleep(3000)]);
    for (const s of services) saveLog(s);
    await sim?.close().catch(() => {});
    await smtp?.stop().catch(() => {});
    await redis?.close().catch(() => {});
  })();
  return cleaned;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    console.log(`\n${signal}: stopping every process this bench started`);
    void cleanup().finally(() => {
      if (dir && !KEEP) rmSync(dir, { recursive: true, force: true });
      process.exit(130);
    });
  });

// ---------------------------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  dir = mkdtempSync(join(tmpdir(), 'faultline-chaos-'));
  mkdirSync(join(dir, 'logs'));
  redis = await startTestRedis({ fsync: 'everysec' });
  if (redis.external) {
    console.error('REDIS_URL is set: the chaos bench restarts Redis, so it needs its own; unset REDIS_URL');
    return 2;
  }
  sim = await startProviderSimulator({ record: false });
  smtp = await startChaosSmtp();

  // Providers: one per expected alert group, so each expected mail is identifiable by its subject.
  //   ok         steady successful traffic, and a probed model that always answers
  //   sv         traffic answering 503 (retried; MEDIUM server errors reach Sentry/the file only)
  //   bq<k>      wave k's key out of quota (429 insufficient_quota): "Billing Quota (bq<k>)"
  //   au<k>      wave k's revoked key (401 invalid_api_key): "Authentication (au<k>)"
  //   me         wave k's decommissioned model me-w<k> (404 model_not_found): "Model Error (me)", Model: me-w<k>
  //   hp         two probed models whose key runs out of quota and back, in cycles: "Billing Quota (hp)"
  //   ho         two probed models answering 503 and back, in cycles: the outage "Server Error (ho)"
  const names = [
    'ok',
    'sv',
    'me',
    'hp',
    'ho',
    ...Array.from({ length: WAVES }, (_, i) => `bq${i + 1}`),
    ...Array.from({ length: WAVES }, (_, i) => `au${i + 1}`),
  ];
  const keyEnv = (name: string) => `CHAOS_${name.toUpperCase()}_API_KEY`;
  const providersFile = join(dir, 'providers.json');
  writeFileSync(
    providersFile,
    JSON.stringify({
      providers: names.map((name) => ({
        name,
        kind: 'openai',
        baseURL: sim!.openaiBaseURL,
        apiKeyEnv: keyEnv(name),
      })),
    }),
  );
  const probed = [
    { id: 'ok-probe', provider: 'ok' },
    { id: 'hp-a', provider: 'hp' },
    { id: 'hp-b', provider: 'hp' },
    { id: 'ho-a', provider: 'ho' },
    { id: 'ho-b', provider: 'ho' },
  ];
  const modelsFile = join(dir, 'models.json');
  writeFileSync(
    modelsFile,
    JSON.stringify({
      models: probed.map((m) => ({ ...m, priority: 'normal', interval: '1s', probe: 'completion' })),
    }),
  );

  const env: Record<string, string> = {
    REDIS_URL: redis.url,
    QUEUE_PREFIX: PREFIX,
    LOG_FORMAT: 'json',
    LOG_LEVEL: 'info',
    FAULTLINE_PROVIDERS_FILE: providersFile,
    FAULTLINE_MODELS_FILE: modelsFile,
    ...Object.fromEntries(names.map((n) => [keyEnv(n), `sk-chaos-${n}-0123456789abcdef`])),
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(smtp.port),
    ALERT_TO_EMAILS: 'oncall@example.com',
    ALERT_FILE_PATH: join(dir, 'alerts.log'),
    MAILBOX_DIR: join(dir, 'mail'),
    ALERTER_HEALTH_PORT: '0',
    HEALTH_PORT: '0',
    ...SERVICE_SETTINGS,
  };

  // --- processes ---
  const kinds: [Kind, number][] = [
    ['generation', 2],
    ['alerter', 3],
    ['health-probe', 1],
  ];
  for (const [kind, n] of kinds)
    for (let i = 1; i <= n; i++)
      services.push({
        name: `${kind}-${i}`,
        kind,
        incarnation: 0,
        ready: false,
        killing: false,
        refusedStarts: 0,
        unexpectedExits: [],
      });

  const start = (svc: Service): Promise<void> => {
    svc.starting ??= (async () => {
      try {
        while (!stopping) {
          svc.incarnation++;
          svc.ready = false;
          svc.killing = false;
          const proc = runRepoProcess([ENTRY[svc.kind]], env);
          killWithThisProcess(proc.child);
          svc.proc = proc;
          const readyOrExit = await new Promise<'ready' | 'exit'>((resolve) => {
            const poll = setInterval(() => {
              if (proc.output().includes(READY[svc.kind])) done('ready');
            }, 50);
            const done = (v: 'ready' | 'exit') => {
              clearInterval(poll);
              resolve(v);
            };
            proc.child.once('exit', () => done('exit'));
          });
          if (readyOrExit === 'ready') {
            svc.ready = true;
            proc.child.once('exit', (code, signal) => {
              svc.ready = false;
              saveLog(svc);
              if (svc.killing || stopping) return;
              // Nobody killed it: a finding. Start it again so the run goes on.
              svc.unexpectedExits.push({ at: elapsed(), code, signal, tail: proc.output().slice(-1500) });
              log(
                `!! ${svc.name} (pid ${proc.child.pid}) exited by itself (code ${code}, signal ${signal}); starting it again`,
              );
              void start(svc);
            });
            return;
          }
          // Exited before ready: Redis down at that moment (exit 4), or a real problem.
          saveLog(svc);
          svc.refusedStarts++;
          if (svc.refusedStarts > 30)
            throw new Error(`${svc.name} keeps failing to start:\n${proc.output().slice(-3000)}`);
          await sleep(1000);
        }
      } finally {
        svc.starting = undefined;
      }
    })();
    return svc.starting;
  };

  log(
    `chaos bench: ${CHAOS_S} s, seed ${SEED}; Redis ${redis.url} (AOF, fsync everysec, dir ${redis.dataDir}); ` +
      `SMTP 127.0.0.1:${smtp.port}; simulator ${sim.url}; directory ${dir}`,
  );
  log('starting 2 generation, 3 alerter and 1 health-probe worker processes');
  await Promise.all(services.map(start));
  log(`all ${services.length} processes ready`);

  // --- the simulated providers ---
  sim.script('sv-chat', OVERLOADED_503);
  for (let k = 1; k <= WAVES; k++) {
    sim.script(`bq${k}-chat`, QUOTA_429);
    sim.script(`au${k}-chat`, KEY_REVOKED_401);
    sim.script(`me-w${k}`, modelGone404(`me-w${k}`));
  }
  for (const m of probed) sim.script(m.id, OK);

  // Let every probed model be seen healthy before anything fails (a failure needs a healthy start).
  await sleep(3000);
  const chaosStart = Date.now();
  const chaosEnd = chaosStart + CHAOS_MS;
  const at = (ms: number, fn: () => void) => {
    const delay = chaosStart + ms - Date.now();
    timers.push(setTimeout(fn, Math.max(0, delay)));
  };

  // --- probe cycles (hp: key out of quota; ho: every model 503, an outage), offset from each other ---
  const probeCycles = { hp: 0, ho: 0 };
  const scheduleCycles = (provider: 'hp' | 'ho', offsetMs: number, fail: SimStep) => {
    for (let t = offsetMs; t + PROBE_FAIL_MS <= CHAOS_MS; t += PROBE_FAIL_MS + PROBE_OK_MS) {
      at(t, () => {
        probeCycles[provider]++;
        sim!.script(`${provider}-a`, fail);
        sim!.script(`${provider}-b`, fail);
      });
      at(t + PROBE_FAIL_MS, () => {
        sim!.script(`${provider}-a`, OK);
        sim!.script(`${provider}-b`, OK);
      });
    }
  };
  scheduleCycles('hp', 1000, QUOTA_429);
  scheduleCycles('ho', 6000, OVERLOADED_503);

  // --- traffic ---
  const client = createGenerationClient({ redisUrl: redis.url, prefix: PREFIX });
  closers.push(() => client.close());
  // The producer's queue reports each reconnect attempt while Redis is down: counted, not printed.
  let producerErrors = 0;
  client.queue.on('error', () => {
    producerErrors++;
  });
  const traffic = { enqueued: 0, refused: 0, pending: 0, byProvider: new Map<string, number>() };
  /** When each wave's first job was accepted by Redis. */
  const waveStart = new Map<string, number>();
  const enqueue = (provider: string, model: string, attempts: number, onAccepted?: () => void) => {
    traffic.pending++;
    const added = client.enqueueGeneration(
      { provider, model, messages: [{ role: 'user', content: 'Say hi' }], maxTokens: 8 },
      { attempts, backoff: { type: BACKOFF_TYPE, delay: 500 }, removeOnComplete: { age: 3600 } },
    );
    const timeout = sleep(30_000).then(() => 'timeout' as const);
    void Promise.race([added, timeout])
      .then((r) => {
        if (r === 'timeout') traffic.refused++;
        else {
          traffic.enqueued++;
          traffic.byProvider.set(provider, (traffic.byProvider.get(provider) ?? 0) + 1);
          onAccepted?.();
        }
      })
      .catch(() => {
        traffic.refused++;
      })
      .finally(() => {
        traffic.pending--;
      });
  };
  // Steady: 5 successful jobs a second, 1 failing with 503 (retried once).
  let tick = 0;
  const steady = setInterval(() => {
    if (Date.now() >= chaosEnd) return;
    enqueue('ok', 'ok-chat', 3);
    if (tick++ % 5 === 0) enqueue('sv', 'sv-chat', 2);
  }, 200);
  closers.push(async () => clearInterval(steady));
  for (let k = 1; k <= WAVES; k++) {
    at(1000 + (k - 1) * WAVE_MS, () => {
      for (let j = 0; j < JOBS_PER_WAVE; j++) {
        for (const [provider, model] of [
          [`bq${k}`, `bq${k}-chat`],
          [`au${k}`, `au${k}-chat`],
          ['me', `me-w${k}`],
        ] as const) {
          const sentAt = Date.now();
          const key = provider === 'me' ? model : provider;
          enqueue(provider, model, 3, () => {
            if (!waveStart.has(key)) waveStart.set(key, sentAt);
          });
        }
      }
    });
  }

  // --- faults ---
  const faults = {
    kills: [] as { at: string; name: string; pid: number }[],
    redisRestarts: [] as { at: string; downMs: number }[],
    smtpOutages: [] as { at: string; downMs: number }[],
  };
  /** [down, up] of each Redis restart, and when each alerter was killed, in Date.now() time. */
  const redisWindows: [number, number][] = [];
  const alerterKills: number[] = [];
  /** [down, up] of each SMTP outage, in Date.now() time. */
  const smtpWindows: [number, number][] = [];
  let redisBusy = false;
  let smtpBackAt = 0;
  for (let t = KILL_EVERY_MS / 2; t < CHAOS_MS; t += KILL_EVERY_MS) {
    at(t, () => {
      const alive = services.filter((s) => s.ready && s.proc && s.proc.child.exitCode === null);
      if (!alive.length) return;
      const victim = alive[Math.floor(random() * alive.length)]!;
      victim.killing = true;
      const pid = victim.proc!.child.pid!;
      victim.proc!.child.kill('SIGKILL');
      faults.kills.push({ at: elapsed(), name: victim.name, pid });
      if (victim.name.startsWith('alerter')) alerterKills.push(Date.now());
      log(`fault: SIGKILL ${victim.name} (pid ${pid}); starting it again`);
      void victim
        .proc!.exited.then(() => start(victim))
        .then(() => log(`${victim.name} ready again (pid ${victim.proc?.child.pid})`));
    });
  }
  for (let t = REDIS_EVERY_MS / 2; t < CHAOS_MS; t += REDIS_EVERY_MS) {
    at(t, () => {
      if (redisBusy) return;
      redisBusy = true;
      void (async () => {
        const t1 = Date.now();
        if (REDIS_KILL) {
          // TestRedis stops with SIGTERM only; its pid comes from Redis itself, and start() respawns a dead server.
          const probe = createRedis(redis!.url);
          const pid = Number(/process_id:(\d+)/.exec(await probe.info('server'))?.[1]);
          probe.disconnect();
          log(`fault: Redis SIGKILLed (pid ${pid}), down for ${REDIS_DOWN_MS} ms`);
          process.kill(pid, 'SIGKILL');
        } else {
          log(`fault: Redis stopping (SIGTERM), down for ${REDIS_DOWN_MS} ms`);
          await redis!.stop();
        }
        await sleep(REDIS_DOWN_MS);
        // A Redis that did not come back is started again: the bench measures Faultline, not a lost server.
        for (let attempt = 1; ; attempt++) {
          try {
            await redis!.start();
            break;
          } catch (error) {
            if (attempt >= 5) throw error;
            log(`!! Redis did not come back (${(error as Error).message.split('\n')[0]}); starting it again`);
          }
        }
        faults.redisRestarts.push({ at: elapsed(), downMs: Date.now() - t1 });
        redisWindows.push([t1, Date.now()]);
        log(`Redis back on the same port and data directory after ${Date.now() - t1} ms`);
      })()
        .catch((e) => log(`!! Redis restart failed: ${(e as Error).message}`))
        .finally(() => {
          redisBusy = false;
        });
    });
  }
  for (let t = SMTP_EVERY_MS / 3; t < CHAOS_MS; t += SMTP_EVERY_MS) {
    at(t, () => {
      const t1 = Date.now();
      smtpBackAt = t1 + SMTP_DOWN_MS;
      smtpWindows.push([t1, Number.POSITIVE_INFINITY]);
      log(`fault: SMTP server down for ${SMTP_DOWN_MS / 1000} s`);
      void smtp!.stop();
      timers.push(
        setTimeout(() => {
          void smtp!.start().then(() => {
            smtpWindows.at(-1)![1] = Date.now();
            faults.smtpOutages.push({ at: elapsed(), downMs: Date.now() - t1 });
            log(`SMTP server back after ${Date.now() - t1} ms`);
          });
        }, SMTP_DOWN_MS),
      );
    });
  }

  const progress = setInterval(() => {
    log(
      `progress: ${((Date.now() - chaosStart) / 1000).toFixed(0)} s of ${CHAOS_S}; faults: ${faults.kills.length} SIGKILL, ` +
        `${faults.redisRestarts.length} Redis restarts, ${faults.smtpOutages.length} SMTP outages${smtp!.up ? '' : ' (SMTP down now)'}; ` +
        `jobs ${traffic.enqueued} enqueued (${traffic.pending} pending); mails ${smtp!.mails.length}`,
    );
  }, 10_000);
  closers.push(async () => clearInterval(progress));

  await sleep(chaosEnd - Date.now());
  clearInterval(progress);
  log('faults and traffic stop; every probed model answers again; settling');
  for (const m of probed) sim.script(m.id, OK);
  // Whatever is still going on (a Redis restart, an SMTP outage, a process starting) finishes first.
  while (redisBusy) await sleep(100);
  // An SMTP outage still going on lasts its full length, then the server comes back.
  while (!smtp.up && Date.now() < smtpBackAt + 1000) await sleep(100);
  for (const t of timers) clearTimeout(t);
  if (!smtp.up) {
    await smtp.start();
    smtpWindows.at(-1)![1] = Date.now();
    faults.smtpOutages.push({ at: elapsed(), downMs: Date.now() - smtpBackAt + SMTP_DOWN_MS });
  }
  while (traffic.pending > 0) await sleep(100);
  await Promise.all(services.map((s) => (s.ready ? undefined : start(s))));

  // --- settle: queues drained, outbox empty, every group closed, no new mail for a while ---
  const inspect = createRedis(redis.url);
  closers.push(async () => inspect.disconnect());
  const keys = redisKeys(PREFIX);
  const queues = [QUEUES.generation, QUEUES.alerts, QUEUES.alertDeliveries].map(
    (name) => new Queue(name, { connection: inspect, prefix: PREFIX }),
  );
  closers.push(() => Promise.all(queues.map((q) => q.close())));
  const settleStart = Date.now();
  let lastMails = smtp.mails.length;
  let lastChange = Date.now();
  let state = '';
  for (;;) {
    const counts = await Promise.all(
      queues.map((q) => q.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children')),
    );
    const busy = counts.map((c) => Object.values(c).reduce((a, b) => a + b, 0));
    const outbox = await inspect.hlen(keys.alertOutbox());
    const groups = await listAlertGroups(inspect, keys, 10_000);
    const unresolved = groups.filter((g) => g.state !== 'resolved').length;
    if (smtp.mails.length !== lastMails) {
      lastMails = smtp.mails.length;
      lastChange = Date.now();
    }
    state =
      `generation ${busy[0]}, alerts ${busy[1]}, deliveries ${busy[2]} unfinished; outbox ${outbox}; ` +
      `${unresolved} of ${groups.length} groups not resolved; mails ${smtp.mails.length}`;
    const quiet = Date.now() - lastChange > 4000;
    if (busy.every((b) => b === 0) && outbox === 0 && unresolved === 0 && quiet) break;
    if (Date.now() - settleStart > SETTLE_S * 1000) {
      log(`settle: not settled after ${SETTLE_S} s: ${state}`);
      break;
    }
    if ((Date.now() - settleStart) % 10_000 < 500) log(`settling: ${state}`);
    await sleep(500);
  }
  const settledIn = Date.now() - settleStart;
  log(`settled in ${secs(settledIn)}: ${state}`);

  // --- what should have been sent ---
  const expected = new Map<string, string>(); // notification id → why
  const deliveries = queues[2]!;
  const jobs: Job[] = await deliveries.getJobs(
    ['completed', 'failed', 'waiting', 'active', 'delayed', 'prioritized'],
    0,
    -1,
  );
  const emailJobs = jobs.filter((j) => j && (j.data?.target ?? j.data?.channel) === 'email');
  const failedEmail: Job[] = [];
  for (const j of emailJobs) {
    const id = j.data.notification.id as string;
    expected.set(id, 'delivery job');
    if ((await j.getState()) === 'failed') failedEmail.push(j);
  }
  let deliveredMarks = 0;
  const markPrefix = keys.delivered('');
  for (let cursor = '0'; ; ) {
    const [next, found] = await inspect.scan(cursor, 'MATCH', `${markPrefix}*-email`, 'COUNT', 1000);
    for (const k of found) {
      deliveredMarks++;
      const id = k.slice(markPrefix.length, -'-email'.length);
      if (!expected.has(id)) expected.set(id, 'delivered mark without a delivery job');
    }
    cursor = next;
    if (cursor === '0') break;
  }
  const groups = await listAlertGroups(inspect, keys, 10_000);

  // --- what was received ---
  const mails = [...smtp.mails];
  const byId = new Map<string, ChaosMail[]>();
  for (const m of mails) {
    const id = m.notification || m.messageId;
    byId.set(id, [...(byId.get(id) ?? []), m]);
  }
  const received = (id: string) => byId.has(id);
  const lost: string[] = [];
  for (const [id, why] of expected) if (!received(id)) lost.push(`${id} (${why})`);
  // At least once, by design: a mail SMTP accepted while Redis was away, whose alerter was killed
  // before Redis came back to record it, is sent again. Any other second copy is a defect.
  const resentAfterCrash = ([, ms]: [string, { receivedAt: number }[]]) =>
    redisWindows.some(
      ([down, up]) =>
        ms[0]!.receivedAt >= down &&
        ms[0]!.receivedAt <= up &&
        alerterKills.some((k) => k >= ms[0]!.receivedAt && k <= up),
    );
  const copies = [...byId].filter(([, ms]) => ms.length > 1);
  const duplicated = copies.filter((c) => !resentAfterCrash(c));
  const resent = copies.filter(resentAfterCrash);
  const unaccounted = [...byId.keys()].filter((id) => !expected.has(id));

  // Groups Redis says people were told of: at least one mail of that group's life; its resolution once resolved.
  const instance = (g: Record<string, string>) =>
    `${g.fingerprint}-${g.gen}-${Number(g.firstSeen).toString(36)}-`;
  let groupExpectations = 0;
  for (const g of groups) {
    if (g.toldPeople !== '1') continue;
    const prefix = instance(g);
    const ev = JSON.parse(g.event ?? '{}') as { category?: string; provider?: string; model?: string };
    const what = `${ev.category} ${ev.provider}/${ev.model ?? '*'} (group ${g.fingerprint} gen ${g.gen})`;
    groupExpectations++;
    if (!mails.some((m) => m.notification.startsWith(prefix) && !m.notification.endsWith('-resolved')))
      lost.push(`firing of ${what}: Redis says people were told, no mail of it arrived`);
    if (g.state === 'resolved' && g.told === 'firing') {
      groupExpectations++;
      if (!received(`${prefix}resolved`))
        lost.push(`resolution ${prefix}resolved of ${what}: resolved, never mailed`);
    }
  }

  // What the traffic design guarantees, whatever Redis says.
  const designLost: string[] = [];
  let designExpectations = 0;
  const subjectHas = (m: ChaosMail, what: string) =>
    m.subject.includes(what) && !m.subject.includes('Resolved:');
  for (let k = 1; k <= WAVES; k++) {
    for (const [key, test] of [
      [`bq${k}`, (m: ChaosMail) => subjectHas(m, `Billing Quota (bq${k})`)],
      [`au${k}`, (m: ChaosMail) => subjectHas(m, `Authentication (au${k})`)],
      [
        `me-w${k}`,
        (m: ChaosMail) => subjectHas(m, 'Model Error (me)') && m.text.split('\n').includes(`Model: me-w${k}`),
      ],
    ] as const) {
      if (!waveStart.has(key)) continue; // no job of it was ever accepted by Redis
      designExpectations++;
      if (!mails.some(test)) designLost.push(`${key}: jobs were enqueued, no firing mail for it arrived`);
    }
  }
  for (const [provider, title] of [
    ['hp', 'Billing Quota (hp)'],
    ['ho', 'Server Error (ho)'],
  ] as const) {
    if (!probeCycles[provider]) continue;
    designExpectations++;
    if (!mails.some((m) => subjectHas(m, title)))
      designLost.push(
        `${provider}: its probed models failed ${probeCycles[provider]} times, no "${title}" mail`,
      );
  }
  lost.push(...designLost);

  // --- delays ---
  const firstDelays: number[] = [];
  /** First mails whose group wait ended while SMTP was up: the delay; while it was down: from its return. */
  const clearDelays: number[] = [];
  const catchUp: number[] = [];
  const groupWaitMs = 2000;
  for (const m of mails) {
    const parts = m.notification.split('-');
    if (parts.length < 4 || parts.at(-1) !== '1') continue;
    const firstSeen = Number.parseInt(parts.at(-2)!, 36);
    if (!Number.isFinite(firstSeen)) continue;
    firstDelays.push(m.receivedAt - firstSeen);
    const due = firstSeen + groupWaitMs;
    const outage = smtpWindows.find(([down, up]) => due >= down && due <= up);
    if (outage) catchUp.push(m.receivedAt - outage[1]);
    else clearDelays.push(m.receivedAt - firstSeen);
  }
  const waveDelays: number[] = [];
  for (const [key, sentAt] of waveStart) {
    const test = key.startsWith('me-w')
      ? (m: ChaosMail) => subjectHas(m, 'Model Error (me)') && m.text.split('\n').includes(`Model: ${key}`)
      : key.startsWith('bq')
        ? (m: ChaosMail) => subjectHas(m, `Billing Quota (${key})`)
        : (m: ChaosMail) => subjectHas(m, `Authentication (${key})`);
    const first = mails.filter(test).sort((a, b) => a.receivedAt - b.receivedAt)[0];
    if (first) waveDelays.push(first.receivedAt - sentAt);
  }
  // Mails that arrived while no fault was going on vs. the rest cannot be told apart exactly; show spread.
  const kinds2 = new Map<string, number>();
  for (const m of mails) {
    const kind = /Faultline Alert: (Resolved: |Fired and resolved: |Flapping: )?([\w ]+) \(/.exec(m.subject);
    const label = kind ? `${kind[1] ?? ''}${kind[2]}`.replace(/: $/, '') : m.subject;
    kinds2.set(label, (kinds2.get(label) ?? 0) + 1);
  }

  // --- report ---
  const unexpectedExits = services.flatMap((s) => s.unexpectedExits.map((e) => ({ name: s.name, ...e })));
  const refused = services.reduce((a, s) => a + s.refusedStarts, 0);
  const byVictim = new Map<string, number>();
  for (const k of faults.kills) byVictim.set(k.name, (byVictim.get(k.name) ?? 0) + 1);
  console.log('');
  console.log(
    `chaos bench: ${CHAOS_S} s of faults (seed ${SEED}), 2 generation + 3 alerter + 1 health-probe processes, Redis AOF fsync everysec`,
  );
  console.log(
    `  settings: ${Object.entries(SERVICE_SETTINGS)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}; probes every 1 s`,
  );
  console.log(
    `  faults:   ${faults.kills.length} SIGKILL (${[...byVictim].map(([n, c]) => `${n} x${c}`).join(', ') || 'none'}), ` +
      `${faults.redisRestarts.length} Redis ${REDIS_KILL ? 'SIGKILLs' : 'restarts'} (${faults.redisRestarts.map((r) => `${secs(r.downMs)} down`).join(', ')}), ` +
      `${faults.smtpOutages.length} SMTP outages (${faults.smtpOutages.map((o) => `${secs(o.downMs)}`).join(', ')})`,
  );
  console.log(
    `  processes: ${unexpectedExits.length} exited by themselves; ${refused} start attempts refused (Redis down) and retried`,
  );
  for (const e of unexpectedExits)
    console.log(
      `    ${e.name} at ${e.at} s: code ${e.code} signal ${e.signal}\n${e.tail.replace(/^/gm, '      | ')}`,
    );
  console.log(
    `  traffic:  ${traffic.enqueued} jobs enqueued (${traffic.refused} not accepted within 30 s, ${producerErrors} producer connection errors while Redis was down); ${WAVES} waves of ` +
      `3 failing keys/models; probe cycles: hp ${probeCycles.hp}, ho ${probeCycles.ho}`,
  );
  console.log(`  settled:  in ${secs(settledIn)} (${state})`);
  console.log(
    `  expected: ${expected.size} notifications by e-mail (${emailJobs.length} delivery jobs, ${deliveredMarks} delivered marks) ` +
      `+ ${groupExpectations} group-state checks (${groups.filter((g) => g.toldPeople === '1').length} groups people were told of) ` +
      `+ ${designExpectations} traffic-design checks`,
  );
  console.log(
    `  received: ${mails.length} mails, ${byId.size} distinct notifications: ${[...kinds2].map(([k, c]) => `${c} ${k}`).join(', ')}`,
  );
  console.log(`  lost:       ${lost.length}`);
  for (const l of lost) console.log(`    LOST ${l}`);
  console.log(`  duplicated: ${duplicated.length}`);
  if (resent.length)
    console.log(
      `  resent after a crash (at least once: its alerter was killed while Redis was down, before the send was recorded): ${resent.map(([id]) => id).join(', ')}`,
    );
  for (const [id, ms] of duplicated)
    console.log(
      `    DUP ${id} x${ms.length} "${ms[0]!.subject}" at ${ms.map((m) => `+${((m.receivedAt - T0) / 1000).toFixed(1)} s`).join(', ')}`,
    );
  console.log(
    `  unaccounted (received, unknown to Redis): ${unaccounted.length}${unaccounted.length ? `: ${unaccounted.join(', ')}` : ''}`,
  );
  console.log(`  failed e-mail deliveries left in the failed set: ${failedEmail.length}`);
  for (const j of failedEmail) console.log(`    FAILED ${j.id}: ${j.failedReason}`);
  console.log(
    `  delay group's first event → its first mail (n=${firstDelays.length}): p50 ${secs(pct(firstDelays, 0.5))}, ` +
      `p99 ${secs(pct(firstDelays, 0.99))}, max ${secs(Math.max(...firstDelays))}`,
  );
  console.log(
    `    of which due while SMTP was up (n=${clearDelays.length}): p50 ${secs(pct(clearDelays, 0.5))}, p99 ${secs(pct(clearDelays, 0.99))}, ` +
      `max ${secs(Math.max(...clearDelays))}; due while it was down (n=${catchUp.length}), from its return: ` +
      `p50 ${secs(pct(catchUp, 0.5))}, p99 ${secs(pct(catchUp, 0.99))}, max ${secs(Math.max(...catchUp))}`,
  );
  console.log(
    `  delay first job enqueued → its mail (traffic waves, n=${waveDelays.length}): p50 ${secs(pct(waveDelays, 0.5))}, ` +
      `p99 ${secs(pct(waveDelays, 0.99))}, max ${secs(Math.max(...waveDelays))}`,
  );

  // For each loss or duplicate: the log lines that name it.
  const problemIds = [
    ...new Set([
      ...lost.flatMap((l) => /[0-9a-f]{16}-\d+-[0-9a-z]+-(?:\d+|resolved)?/.exec(l)?.[0] ?? []),
      ...lost.flatMap((l) => /group ([0-9a-f]{16}) /.exec(l)?.[1] ?? []),
      ...duplicated.map(([id]) => id),
    ]),
  ];
  if (problemIds.length) {
    for (const s of services) saveLog(s);
    const { readdirSync, readFileSync } = await import('node:fs');
    for (const id of problemIds.slice(0, 10)) {
      console.log(`  log lines naming ${id}:`);
      for (const f of readdirSync(join(dir, 'logs'))) {
        const hits = readFileSync(join(dir, 'logs', f), 'utf8')
          .split('\n')
          .filter((l) => l.includes(id));
        for (const h of hits.slice(0, 5)) console.log(`    ${f}: ${h.slice(0, 400)}`);
      }
    }
  }
  const failed = lost.length > 0 || duplicated.length > 0;
  return failed ? 1 : 0;
}

let code = 2;
try {
  code = await main();
} catch (error) {
  console.error(`chaos bench failed: ${(error as Error).stack ?? error}`);
  code = 2;
}
await cleanup();
if (dir) {
  if (KEEP || code !== 0)
    console.log(`logs kept in ${join(dir, 'logs')} (every process incarnation, JSON lines)`);
  else rmSync(dir, { recursive: true, force: true });
}
process.exit(code);
