/** The simulator as its own process: `node --import tsx packages/testkit/src/provider-simulator/main.ts --port 4010`. */
import { parseArgs } from 'node:util';
import { startProviderSimulator } from './server.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '4010' },
    host: { type: 'string', default: '127.0.0.1' },
    'no-record': { type: 'boolean' },
  },
});
const sim = await startProviderSimulator({
  port: Number(values.port),
  host: values.host,
  record: !values['no-record'],
});
process.stdout.write(
  `provider simulator listening on ${sim.url}\n  OPENAI_BASE_URL=${sim.openaiBaseURL}\n  ANTHROPIC_BASE_URL=${sim.anthropicBaseURL}\n` +
    `  script a model: curl -XPOST ${sim.url}/__sim/script -d '{"model":"m","steps":[{"kind":"http","status":429}]}'\n`,
);
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    sim.close().then(() => process.exit(0));
  });
}
