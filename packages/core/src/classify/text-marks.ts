/** The fields of the Signals (signals.ts) that a text's marks fill in; they are added to in place. */
export interface TextMarks {
  nodeCode: string | null;
  codes: Set<string>;
  kinds: Set<string>;
  providerCode: string | null;
}

/**
 * What a re-thrown text still says about its error besides status and body (embedded.ts): a Node
 * code ("connect ECONNREFUSED ::1:11434"), a google.rpc status ("8 RESOURCE_EXHAUSTED: …",
 * "(Status: INVALID_ARGUMENT)"), an AWS exception ("An error occurred (ThrottlingException) when
 * calling …", Rust's `code: "ThrottlingException"`), a client class ("openai.RateLimitError: …").
 */
export function readTextMarks(sig: TextMarks, text: string): void {
  // Node codes and google.rpc statuses are upper-case words: a text without one has neither.
  if (UPPER_WORD.test(text)) {
    if (!sig.nodeCode) {
      const nodeCode = NODE_CODE_IN_TEXT.exec(text);
      if (nodeCode) sig.nodeCode = nodeCode[1]!;
    }
    for (const m of text.matchAll(RPC_STATUS)) sig.codes.add(m[1]!.toLowerCase());
  }
  if (!text.includes('Error') && !text.includes('Exception')) return;
  for (const m of text.matchAll(CLASS_NAME)) {
    const cls = m[1]!;
    if (cls === 'Error' || cls === 'Exception') continue;
    sig.kinds.add(cls.toLowerCase());
    if (m[2] !== 'Exception') continue;
    sig.codes.add(cls.toLowerCase());
    // Quoted as the code ("(ThrottlingException)", `"ThrottlingException"`), not a gateway's own label
    // ("litellm.APIConnectionError: BedrockException - …").
    const before = text[m.index - 1];
    if (before === '(' || before === '"') sig.providerCode ??= cls;
  }
}

const NODE_CODE_IN_TEXT =
  /\b(E(?:CONN(?:RESET|REFUSED|ABORTED)|NOTFOUND|AI_AGAIN|TIMEDOUT|HOSTUNREACH|NETUNREACH|PIPE)|UND_ERR_[A-Z_]+)\b/;
const UPPER_WORD = /[A-Z][A-Z_]{3}/;
const RPC_STATUS =
  /\b(RESOURCE_EXHAUSTED|PERMISSION_DENIED|UNAUTHENTICATED|INVALID_ARGUMENT|FAILED_PRECONDITION|NOT_FOUND|UNAVAILABLE|DEADLINE_EXCEEDED|INTERNAL|OUT_OF_RANGE|UNIMPLEMENTED|CANCELLED)\b/g;
const CLASS_NAME = /\b([A-Za-z][A-Za-z0-9]*?(Exception|Error))\b/g;
