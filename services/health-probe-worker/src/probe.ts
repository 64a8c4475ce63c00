import { type ClassifiedError, classifyError, type ModelSpec, type ProbeOutcome } from '@faultline/core';
import type { ProviderRegistry } from '@faultline/providers';

/**
 * One probe through the same provider layer and classifier as generation. A 1-token completion may
 * come back empty (reasoning models spend it thinking): a successful empty answer is healthy.
 */
export async function runProbe(
  providers: ProviderRegistry,
  m: ModelSpec,
  timeoutMs: number,
): Promise<{ outcome: ProbeOutcome; classified: ClassifiedError | null }> {
  const started = performance.now();
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const client = providers.client(m.provider);
    if (m.probe === 'models') await client.retrieveModel(m.id, signal);
    else
      await client.complete(
        { model: m.id, messages: [{ role: 'user', content: 'ping' }], maxTokens: 1 },
        signal,
      );
    return {
      outcome: { ok: true, latencyMs: performance.now() - started, at: Date.now() },
      classified: null,
    };
  } catch (error) {
    const classified = classifyError(error, { provider: m.provider, model: m.id, gateway: m.gateway });
    return {
      outcome: {
        ok: false,
        latencyMs: performance.now() - started,
        at: Date.now(),
        category: classified.category,
        reason: classified.reason,
        statusCode: classified.statusCode,
        message: classified.message,
      },
      classified,
    };
  }
}
