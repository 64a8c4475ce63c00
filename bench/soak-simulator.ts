/**
 * The provider simulator as its own process, answering every request with OpenAI's 500, whatever the
 * model: bench/soak.ts names 10,000 models, too many to script one by one.
 * Prints its URL on the first line; SIGTERM closes it.
 */
import { startProviderSimulator } from '@faultline/testkit';

const sim = await startProviderSimulator({ port: 0, record: false });
sim.setDefault({
  kind: 'http',
  status: 500,
  body: {
    error: { message: 'The server had an error while processing your request.', type: 'server_error' },
  },
});
process.stdout.write(`${sim.url}\n`);
process.once('SIGTERM', () => {
  sim.close().then(() => process.exit(0));
});
