import type { Redis } from 'ioredis';

let n = 0;
/**
 * A Redis user that may touch every key of `prefix` the health-probe worker needs, but not the
 * alerts queue's (`<prefix>:alerts:*`): its breaker writes succeed while `alerts.add` fails with a
 * real NOPERM, until `grantAlerts` (and again after `denyAlerts`).
 */
export async function userWithoutAlerts(admin: Redis, redisUrl: string, prefix: string) {
  const name = `probe-${process.pid}-${n++}`;
  const password = `pw-${name}`;
  const patterns = [
    'health:*',
    'health-index:*',
    'health-outbox*',
    'health-probes:*',
    'aggregate:*',
    'storm:*',
    'metrics:*',
  ];
  const allowed = patterns.map((p) => `~${prefix}:${p}`);
  await admin.call('ACL', 'SETUSER', name, 'reset', 'on', `>${password}`, '+@all', '&*', ...allowed);
  const url = new URL(redisUrl);
  url.username = name;
  url.password = password;
  return {
    url: url.toString(),
    grantAlerts: () => admin.call('ACL', 'SETUSER', name, `~${prefix}:alerts:*`),
    denyAlerts: () => admin.call('ACL', 'SETUSER', name, 'resetkeys', ...allowed),
    drop: () => admin.call('ACL', 'DELUSER', name),
  };
}
