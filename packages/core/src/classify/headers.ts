/** Response headers, whatever carries them: a fetch `Headers`, another implementation, or a plain object. */
export function readHeaders(into: Record<string, string>, headers: unknown): void {
  if (!headers || typeof headers !== 'object') return;
  if (headers instanceof Headers) {
    // Keys of a fetch Headers are lower-case already.
    for (const [k, v] of headers) into[k] ??= v;
    return;
  }
  const like = headers as Headers;
  if (typeof like.forEach === 'function' && typeof like.get === 'function') {
    // Another Headers implementation (node-fetch, a polyfill): its entries are not own properties.
    like.forEach((v, k) => {
      into[k.toLowerCase()] ??= String(v);
    });
    return;
  }
  for (const [k, v] of Object.entries(headers))
    if (typeof v === 'string' || typeof v === 'number') into[k.toLowerCase()] ??= String(v);
}

// OpenAI and most compatible servers, Anthropic, Azure (apim), Bedrock, and Cloudflare's ray as a last resort.
const REQUEST_ID_HEADERS = ['x-request-id', 'request-id', 'apim-request-id', 'x-amzn-requestid', 'cf-ray'];

export function requestIdIn(headers: Record<string, string>): string | null {
  for (const h of REQUEST_ID_HEADERS) if (headers[h]) return headers[h]!;
  return null;
}

/** Bedrock names its exception in a header: `x-amzn-errortype: ThrottlingException:http://internal.amazon.com/…`. */
export function amazonErrorType(headers: Record<string, string>): string | null {
  return headers['x-amzn-errortype']?.split(':')[0] || null;
}
