import { z } from 'zod';

/** What the simulator does with the next request for a model. */
export type SimStep =
  | {
      kind: 'success';
      text?: string;
      delayMs?: number;
      usage?: { inputTokens: number; outputTokens: number };
    }
  /** Any status, headers and body: an object is sent as JSON, a string as-is (text/plain unless a content-type is given). */
  | { kind: 'http'; status: number; headers?: Record<string, string>; body?: unknown; delayMs?: number }
  /** Destroys the socket without a response: the client sees ECONNRESET / "socket hang up". */
  | { kind: 'reset'; afterMs?: number }
  /** Accepts and never answers: the client's timeout fires. */
  | { kind: 'hang' }
  /**
   * Streams `afterChunks` content chunks, then an error event in the provider's format (non-streaming:
   * a 500 with it). `error` is the inner error object or the provider's whole error body.
   */
  | { kind: 'stream-error'; afterChunks?: number; error: unknown };

const ms = z.number().int().min(0).optional();

/** The same steps as the control API receives them from another process. */
export const SimStepSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('success'),
    text: z.string().optional(),
    delayMs: ms,
    usage: z.object({ inputTokens: z.number().int(), outputTokens: z.number().int() }).optional(),
  }),
  z.object({
    kind: z.literal('http'),
    status: z.number().int().min(100).max(999),
    headers: z.record(z.string(), z.string()).optional(),
    body: z.unknown().optional(),
    delayMs: ms,
  }),
  z.object({ kind: z.literal('reset'), afterMs: ms }),
  z.object({ kind: z.literal('hang') }),
  z.object({
    kind: z.literal('stream-error'),
    afterChunks: z.number().int().min(0).optional(),
    error: z.unknown(),
  }),
]) satisfies z.ZodType<SimStep>;

export const DEFAULT_TEXT = 'Hello from the Faultline provider simulator.';

/** Per-model scripts: steps are consumed one per request in order, and the last one repeats. */
export class Scripts {
  private readonly byModel = new Map<string, { steps: SimStep[]; next: number }>();
  private fallback: SimStep = { kind: 'success' };

  set(model: string, steps: SimStep | SimStep[]): void {
    const list = Array.isArray(steps) ? steps : [steps];
    if (!list.length) throw new Error(`script for ${model}: give at least one step`);
    this.byModel.set(model, { steps: list, next: 0 });
  }

  setDefault(step: SimStep): void {
    this.fallback = step;
  }

  has(model: string): boolean {
    return this.byModel.has(model);
  }

  models(): string[] {
    return [...this.byModel.keys()];
  }

  next(model: string): SimStep {
    const script = this.byModel.get(model);
    if (!script) return this.fallback;
    const step = script.steps[Math.min(script.next, script.steps.length - 1)]!;
    script.next++;
    return step;
  }

  reset(): void {
    this.byModel.clear();
    this.fallback = { kind: 'success' };
  }
}
