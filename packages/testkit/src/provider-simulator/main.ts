/**
 * The simulator as its own process, so it does not share an event loop with what it serves:
 * `node --conditions=development --import tsx packages/testkit/src/provider-simulator/main.ts --port 4010 [--host 127.0.0.1] [--no-record]`
 * Prints its URL on the first line; SIGTERM or SIGINT closes it.
 */
import { parseArgs } from 'node:util';
import { startProviderSimulator } from './server.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '4010' },
    host: { type: 'string', default: '127.0.0.1' },
    'no-record': { type: 'boolean', default: false },
  },
});
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  process.stderr.write(
    `--port must be a whole number from 0 to 65535 (0 = any free port), got "${values.port}"\n`,
  );
  process.exit(2);
}
const sim = await startProviderSimulator({ port, host: values.host, record: !values['no-record'] });
process.stdout.write(
  `provider simulator ready, listening on ${sim.url}\n  OPENAI_BASE_URL=${sim.openaiBaseURL}\n  ANTHROPIC_BASE_URL=${sim.anthropicBaseURL}\n` +
    `  script a model: curl -XPOST ${sim.url}/__sim/script -d '{"model":"m","steps":[{"kind":"http","status":429}]}'\n`,
);
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    sim.close().then(() => process.exit(0));
  });
}
// Under `faultline demo`, a supervisor killed outright must not leave the simulator running.
const supervisor = Number(process.env.FAULTLINE_SUPERVISOR_PID);
if (supervisor) {
  setInterval(() => {
    if (process.ppid !== supervisor) sim.close().then(() => process.exit(0));
  }, 1000).unref();
}
