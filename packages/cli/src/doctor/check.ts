/** ok passes; warn is worth a look but does not fail doctor; fail does; skip was not checked (nothing to check). */
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

/** One line of `faultline doctor`: what was checked, and what was found or what to do. */
export interface CheckLine {
  name: string;
  status: CheckStatus;
  detail: string;
}

export const ok = (name: string, detail: string): CheckLine => ({ name, status: 'ok', detail });
export const warn = (name: string, detail: string): CheckLine => ({ name, status: 'warn', detail });
export const fail = (name: string, detail: string): CheckLine => ({ name, status: 'fail', detail });
export const skip = (name: string, detail: string): CheckLine => ({ name, status: 'skip', detail });

/** Checks that reach the same thing (Redis, SMTP …); `name` heads its one line should it time out. */
export interface CheckGroup {
  name: string;
  run(): Promise<CheckLine[]>;
  /** What to check when it does not answer in time. */
  late?: string;
}

/**
 * A group's lines, or one failure when it takes longer than `timeoutMs` or throws: doctor
 * must answer even when a server accepts connections and never replies.
 */
export async function runGroup(group: CheckGroup, timeoutMs: number): Promise<CheckLine[]> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<CheckLine[]>((resolve) => {
    const why = `no answer within ${timeoutMs / 1000}s${group.late ? `: ${group.late}` : ''}`;
    timer = setTimeout(() => resolve([fail(group.name, why)]), timeoutMs);
  });
  try {
    return await Promise.race([group.run().catch((error: Error) => [fail(group.name, error.message)]), late]);
  } finally {
    clearTimeout(timer);
  }
}
