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
  /** Streams `afterChunks` content chunks, then an error event in the provider's format (non-streaming: a 500 with it). */
  | { kind: 'stream-error'; afterChunks?: number; error: unknown };

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
