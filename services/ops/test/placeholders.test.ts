import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '@faultline/runtime';
import { REPO_ROOT, runRepoProcess } from '@faultline/testkit';
import { describe, expect, it } from 'vitest';
import { OpsConfig, refusePlaceholders } from '../src/config.ts';

const read = (file: string) => readFileSync(join(REPO_ROOT, file), 'utf8');
const SECRET_NAME = /TOKEN|PASSWORD|SECRET|_KEY|USERNAME/;

/** The values the shipped manifests give to secret settings: what a deployment as shipped would hold. */
function shippedSecretValues(): { file: string; name: string; value: string }[] {
  const k8sSecret = read('infra/k8s/config.yaml').split(/^kind: Secret$/m)[1] ?? '';
  const found = [
    ...[...k8sSecret.matchAll(/^ {2}([A-Z][A-Z0-9_]*): *"?([^"\n#]*)"?$/gm)].map((m) => ({
      file: 'infra/k8s/config.yaml',
      name: m[1]!,
      value: m[2]!.trim(),
    })),
    ...[...read('.env.example').matchAll(/^#? ?([A-Z][A-Z0-9_]*)=(.*)$/gm)].map((m) => ({
      file: '.env.example',
      name: m[1]!,
      value: m[2]!.trim(),
    })),
    ...[...read('docker-compose.yml').matchAll(/^ +([A-Z][A-Z0-9_]*): *"?([^"\n#]*)"?$/gm)].map((m) => ({
      file: 'docker-compose.yml',
      name: m[1]!,
      value: m[2]!.trim(),
    })),
  ];
  return found.filter((f) => SECRET_NAME.test(f.name) && f.value !== '' && !f.value.startsWith('$'));
}

const base = loadConfig(OpsConfig, {});

describe('placeholder tokens from the shipped manifests are refused at start', () => {
  const shipped = shippedSecretValues();
  it('finds the placeholders the manifests ship', () => {
    expect(shipped.map((s) => s.value)).toContain('replace-me-with-at-least-16-characters');
  });

  it.each(
    shipped.flatMap((s) => ['OPS_TOKEN', 'OPS_PASSWORD', 'OPS_METRICS_TOKEN'].map((v) => [v, s] as const)),
  )('%s = %o', (variable, { value }) => {
    const refuse = () => refusePlaceholders({ ...base, [variable]: value });
    expect(refuse).toThrow(ConfigError);
    expect(refuse).toThrow(new RegExp(`${variable}: .*openssl rand -hex 32`));
  });

  it.each([
    'change-me-change-me',
    'CHANGEME_TOKEN_0001',
    '<your-ops-token-here>',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell-style reference left unexpanded
    '${OPS_TOKEN}',
    'your-token-goes-here',
    'aaaaaaaaaaaaaaaaaaaaaaaa',
    'abababababababababab',
    'password',
    'placeholder-token-123',
  ])('refuses %s', (value) => {
    expect(() => refusePlaceholders({ ...base, OPS_TOKEN: value })).toThrow(/OPS_TOKEN: /);
  });

  it.each([
    '3f1c9e0b7a2d4c6e8f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6a',
    'ops-token-for-the-test-0001',
    'browser-password',
    'correct-horse-battery',
  ])('accepts %s', (value) => {
    expect(() => refusePlaceholders({ ...base, OPS_TOKEN: value, OPS_PASSWORD: value })).not.toThrow();
  });

  it('the ops service exits 3 naming the setting, before it tries Redis', async () => {
    const ops = runRepoProcess(['services/ops/src/main.ts'], {
      OPS_HOST: '0.0.0.0',
      OPS_PORT: '0',
      OPS_TOKEN: 'replace-me-with-at-least-16-characters',
      // Nothing listens there: a start that got as far as Redis would exit 4, not 3.
      REDIS_URL: 'redis://127.0.0.1:1',
    });
    expect(await ops.exited).toBe(3);
    expect(ops.output()).toMatch(/OPS_TOKEN: is a placeholder, not a secret; set a random one/);
  }, 20_000);
});
