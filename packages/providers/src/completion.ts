import type { GenerationJob } from '@faultline/core';

export type CompletionRequest = Pick<GenerationJob, 'model' | 'messages' | 'maxTokens' | 'temperature'>;

export interface Completion {
  text: string;
  usage: { inputTokens: number; outputTokens: number };
}

/** One provider reached through its official SDK. Errors are thrown as the SDK throws them. */
export interface ProviderClient {
  readonly name: string;
  readonly gateway: string | null;
  complete(request: CompletionRequest, signal?: AbortSignal): Promise<Completion>;
  /** The provider's model lookup: free, so health probes can use it. */
  retrieveModel(model: string, signal?: AbortSignal): Promise<void>;
}

/** Anthropic needs max_tokens; 1024 is what its own examples use. */
export const DEFAULT_MAX_TOKENS = 1024;
