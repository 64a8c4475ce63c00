import { describe, expect, it } from 'vitest';
import {
  type BreakerState,
  type HealthStatus,
  INITIAL_HEALTH,
  type ModelHealth,
  overallStatus,
  statusOf,
} from '../src/health/index.ts';

const health = (breaker: BreakerState, window: [0 | 1, number][], consecutiveFailures = 0): ModelHealth => ({
  ...INITIAL_HEALTH,
  breaker,
  consecutiveFailures,
  window: window.map(([ok, ms]) => ({ ok, ms })),
});

describe('a model is healthy, degraded (slow, some failures, half-open) or unhealthy (open)', () => {
  it.each([
    ['never probed', health('closed', []), 'healthy'],
    [
      'fast successes',
      health('closed', [
        [1, 100],
        [1, 200],
        [1, 300],
      ]),
      'healthy',
    ],
    [
      'slow: median above SLOW_PROBE',
      health('closed', [
        [1, 600],
        [1, 700],
        [1, 100],
      ]),
      'degraded',
    ],
    [
      'one slow probe of three is not slow',
      health('closed', [
        [1, 100],
        [1, 9000],
        [1, 200],
      ]),
      'healthy',
    ],
    ['median exactly SLOW_PROBE is not slow', health('closed', [[1, 500]]), 'healthy'],
    [
      'a failure in the window',
      health('closed', [
        [1, 100],
        [0, 100],
        [1, 100],
      ]),
      'degraded',
    ],
    ['failing now', health('closed', [[0, 100]], 1), 'degraded'],
    ['half-open', health('half_open', [[1, 100]]), 'degraded'],
    ['open', health('open', [[1, 100]]), 'unhealthy'],
  ])('%s → %s', (_what, h, status) => {
    expect(statusOf(h, { slowMs: 500 })).toBe(status);
  });
});

type Fleet = [count: number, status: HealthStatus, priority?: 'critical'][];
const fleet = (groups: Fleet) =>
  groups.flatMap(([n, status, priority = 'normal']) =>
    Array.from({ length: n }, () => ({ status, priority })),
  );

describe('the overall status: what a user expects of many models at once', () => {
  it.each([
    ['no models', [], 'healthy'],
    [
      'the issue example: 95 healthy, 3 degraded, 2 unhealthy of 100',
      [
        [95, 'healthy'],
        [3, 'degraded'],
        [2, 'unhealthy'],
      ],
      'healthy',
    ],
    [
      'exactly 5 % not healthy',
      [
        [95, 'healthy'],
        [5, 'degraded'],
      ],
      'healthy',
    ],
    [
      '6 % not healthy',
      [
        [94, 'healthy'],
        [6, 'unhealthy'],
      ],
      'degraded',
    ],
    [
      '1 of 10 degraded',
      [
        [9, 'healthy'],
        [1, 'degraded'],
      ],
      'degraded',
    ],
    [
      'half unhealthy',
      [
        [1, 'healthy'],
        [1, 'unhealthy'],
      ],
      'unhealthy',
    ],
    [
      'just under half unhealthy',
      [
        [51, 'healthy'],
        [49, 'unhealthy'],
      ],
      'degraded',
    ],
    ['all degraded, none open', [[4, 'degraded']], 'degraded'],
    [
      'a critical model unhealthy among 100',
      [
        [99, 'healthy'],
        [1, 'unhealthy', 'critical'],
      ],
      'unhealthy',
    ],
    [
      'a critical model degraded among 100',
      [
        [99, 'healthy'],
        [1, 'degraded', 'critical'],
      ],
      'degraded',
    ],
    [
      'critical models healthy, a normal one down among 100',
      [
        [50, 'healthy', 'critical'],
        [49, 'healthy'],
        [1, 'unhealthy'],
      ],
      'healthy',
    ],
  ] as [string, Fleet, HealthStatus][])('%s → %s', (_what, groups, status) => {
    expect(overallStatus(fleet(groups))).toBe(status);
  });
});
