import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHealthProbe } from '@faultline/health-probe-worker';
import { HealthProbeConfig } from '@faultline/health-probe-worker/config';
import { startOpsServer } from '@faultline/ops';
import { OpsConfig } from '@faultline/ops/config';
import { loadConfig } from '@faultline/runtime';
import { pollUntil, startProviderSimulator, startTestRedis } from '@faultline/testkit';
import { pino } from 'pino';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';

const CHROMIUM = '/usr/bin/chromium';
const present = existsSync(CHROMIUM);
if (!present)
  console.warn(
    `browser test skipped: ${CHROMIUM} is absent (Debian: apt-get install chromium; .ci/run installs it)`,
  );

describe.runIf(present)('what a person sees in a browser', () => {
  it('the dashboard lists every queue and the status page shows each model', async () => {
    const [redis, sim] = await Promise.all([startTestRedis(), startProviderSimulator()]);
    const dir = mkdtempSync(join(tmpdir(), 'faultline-browser-'));
    writeFileSync(
      join(dir, 'models.yaml'),
      'models:\n  - { id: gpt-4o-mini, provider: openai, interval: 200ms }\n  - { id: gpt-4o, provider: openai, interval: 200ms }\n',
    );
    const env = {
      REDIS_URL: redis.url,
      QUEUE_PREFIX: '{e2e-browser}',
      OPENAI_API_KEY: 'sk-browser',
      OPENAI_BASE_URL: sim.openaiBaseURL,
      FAULTLINE_MODELS_FILE: join(dir, 'models.yaml'),
      PROBE_INTERVAL_MIN: '100ms',
      HEALTH_PORT: '0',
      OPS_PORT: '0',
      OPS_USERNAME: 'ops',
      OPS_PASSWORD: 'browser-password',
      BREAKER_FAILURE_THRESHOLD: '1',
    };
    sim.script('gpt-4o', { kind: 'http', status: 503, body: { error: { message: 'overloaded' } } });
    const silent = pino({ level: 'silent' });
    const probe = await startHealthProbe(loadConfig(HealthProbeConfig, env), env, silent);
    const ops = await startOpsServer(loadConfig(OpsConfig, env), silent);
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    try {
      await pollUntil(
        'both models probed',
        async () =>
          (await probe.store.read('openai/gpt-4o')).breaker === 'open' &&
          (await probe.store.read('openai/gpt-4o-mini')).window.length > 0,
      );
      const context = await browser.newContext({
        httpCredentials: { username: 'ops', password: 'browser-password' },
      });
      const page = await context.newPage();
      // The ops service's Content-Security-Policy must let bull-board's UI and the status page work.
      const cspViolations: string[] = [];
      page.on('console', (m) => {
        if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
      });

      await page.goto(`${ops.url}/dashboard`);
      for (const queue of ['generation', 'alerts', 'alert-deliveries', 'alert-groups', 'health-probes']) {
        await page.getByText(queue, { exact: true }).first().waitFor({ timeout: 15_000 });
      }
      await page.screenshot({ path: join(dir, 'dashboard.png') });

      await page.goto(`${ops.url}/status`);
      expect(await page.locator('#overall').textContent()).toBe('unhealthy');
      expect(await page.locator('#counts').textContent()).toBe(
        '2 models: 1 healthy, 0 degraded, 1 unhealthy',
      );
      const rows = await page
        .locator('#models tbody tr')
        .evaluateAll((trs) =>
          trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent?.trim()).join(' ')),
        );
      expect(rows).toEqual([
        expect.stringMatching(/^openai gpt-4o unhealthy open 0%/),
        expect.stringMatching(/^openai gpt-4o-mini healthy closed 100%/),
      ]);

      expect(cspViolations).toEqual([]);

      // Without credentials the browser gets the 401 challenge and cannot open the page.
      const anonymous = await browser.newPage();
      await expect(anonymous.goto(`${ops.url}/dashboard`)).rejects.toThrow(/ERR_INVALID_AUTH_CREDENTIALS/);
      expect((await anonymous.request.get(`${ops.url}/dashboard`)).status()).toBe(401);
    } finally {
      await browser.close();
      await ops.close();
      await probe.close();
      await Promise.all([sim.close(), redis.close()]);
    }
  }, 60_000);
});
