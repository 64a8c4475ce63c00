#!/usr/bin/env node
// Not @faultline/runtime's index: `faultline start` stays in this process at rest, and must not carry
// BullMQ, ioredis and zod for it (commands load what they need).
import { loadDotEnv } from '@faultline/runtime/dotenv';
import { LocalRedisError } from './commands/local-redis.ts';
import { EXIT } from './exit-codes.ts';
import { UsageError } from './usage-error.ts';

type Command = { usage: string; run: (argv: string[]) => Promise<number> };

// Loaded on demand so that a command starts without loading every other command's dependencies.
const COMMANDS: Record<string, () => Promise<Command>> = {
  classify: async () => {
    const m = await import('./commands/classify.ts');
    return { usage: m.usage, run: m.classifyCommand };
  },
  generate: async () => {
    const m = await import('./commands/generate.ts');
    return { usage: m.usage, run: m.generateCommand };
  },
  worker: async () => {
    const m = await import('./commands/worker.ts');
    return { usage: m.usage, run: m.workerCommand };
  },
  'test-alert': async () => {
    const m = await import('./commands/test-alert.ts');
    return { usage: m.usage, run: m.testAlertCommand };
  },
  start: async () => {
    const m = await import('./commands/start.ts');
    return { usage: m.usage, run: m.startCommand };
  },
  demo: async () => {
    const m = await import('./commands/demo.ts');
    return { usage: m.usage, run: m.demoCommand };
  },
  reset: async () => {
    const m = await import('./commands/reset.ts');
    return { usage: m.usage, run: m.resetCommand };
  },
  health: async () => {
    const m = await import('./commands/health.ts');
    return { usage: m.usage, run: m.healthCommand };
  },
  alerts: async () => {
    const m = await import('./commands/alerts.ts');
    return { usage: m.usage, run: m.alertsCommand };
  },
  schema: async () => {
    const m = await import('./commands/schema.ts');
    return { usage: m.usage, run: m.schemaCommand };
  },
  doctor: async () => {
    const m = await import('./commands/doctor.ts');
    return { usage: m.usage, run: m.doctorCommand };
  },
};

async function help(): Promise<string> {
  const usages = await Promise.all(Object.values(COMMANDS).map(async (load) => `  ${(await load()).usage}`));
  return `usage: pnpm faultline <command> [options]\n\n${usages.join('\n\n')}\n`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(await help());
    return name ? EXIT.ok : EXIT.config;
  }
  const load = COMMANDS[name];
  if (!load) {
    process.stderr.write(`faultline: unknown command "${name}"\n\n${await help()}`);
    return EXIT.config;
  }
  const command = await load();
  loadDotEnv();
  try {
    return await command.run(rest);
  } catch (error) {
    const { ConfigError, RedisUnreachableError } = await import('@faultline/runtime');
    if (
      error instanceof UsageError ||
      (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))
    ) {
      process.stderr.write(`faultline ${name}: ${error.message}\n\nusage:\n  ${command.usage}\n`);
      return EXIT.config;
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`faultline ${name}: ${error.message}\n`);
      return EXIT.config;
    }
    if (error instanceof RedisUnreachableError || error instanceof LocalRedisError) {
      process.stderr.write(`faultline ${name}: ${error.message}\n`);
      return EXIT.redisUnreachable;
    }
    throw error;
  }
}

process.exitCode = await main(process.argv.slice(2));
