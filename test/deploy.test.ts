import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readModelsFile } from '@faultline/health-probe-worker/models';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';

// No Docker engine or cluster here: these keep the deploy files in step with the code instead.
const ROOT = resolve(import.meta.dirname, '..');
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');
const workspaceDirs = ['packages', 'services']
  .flatMap((d) => readdirSync(join(ROOT, d)).map((x) => `${d}/${x}`))
  .concat(['bench', 'test'])
  .filter((d) => existsSync(join(ROOT, d, 'package.json')));

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
