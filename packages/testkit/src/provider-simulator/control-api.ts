import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { readBody, sendJson } from './replies.ts';
import { type Scripts, SimStepSchema } from './script.ts';

const ScriptRequest = z.object({
  model: z.string().min(1),
  // One step or a list, as script() takes them.
  steps: z.preprocess((steps) => (Array.isArray(steps) ? steps : [steps]), z.array(SimStepSchema).min(1)),
});

/**
 * `POST /__sim/script` `{ model, steps }`, `POST /__sim/reset`, `GET /__sim/requests`: how another
 * process (the demo command, a benchmark) scripts a simulator it started as its own process.
 */
export async function handleControl(
  path: string,
  req: IncomingMessage,
  res: ServerResponse,
  sim: { scripts: Scripts; reset(): void; requests(): unknown[] },
): Promise<void> {
  if (path === '/__sim/script' && req.method === 'POST') {
    let raw: unknown;
    try {
      raw = JSON.parse(await readBody(req));
    } catch {
      return sendJson(res, 400, { error: 'the body must be JSON: { "model": "...", "steps": [...] }' });
    }
    const parsed = ScriptRequest.safeParse(raw);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`);
      return sendJson(res, 400, { error: `bad script: ${problems.join('; ')}` });
    }
    sim.scripts.set(parsed.data.model, parsed.data.steps);
    return sendJson(res, 200, { ok: true });
  }
  if (path === '/__sim/reset' && req.method === 'POST') {
    sim.reset();
    return sendJson(res, 200, { ok: true });
  }
  if (path === '/__sim/requests' && req.method === 'GET') return sendJson(res, 200, sim.requests());
  return sendJson(res, 404, { error: `no control route ${req.method} ${path}` });
}
