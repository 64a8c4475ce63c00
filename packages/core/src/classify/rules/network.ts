import type { Reason } from '../reasons.ts';
import { firstReason, hasKind, type Rule, says, verdict, withConfidence } from '../rule.ts';
import type { Signals } from '../signals.ts';

/** Node/undici codes: [pattern, reason, retryable]. A name that does not resolve is a wrong host or proxy setting. */
const NODE_CODES: [RegExp, Reason, boolean][] = [
  [/^enotfound$/, 'dns_failure', false],
  [/^eai_again$/, 'dns_failure', true],
  [/^econnrefused$/, 'connection_refused', true],
  [
    /^(?:econnreset|epipe|econnaborted|und_err_socket|und_err_closed|err_stream_premature_close)$/,
    'connection_reset',
    true,
  ],
  [
    /^(?:etimedout|esockettimedout|und_err_connect_timeout|und_err_headers_timeout|und_err_body_timeout)$/,
    'timeout',
    true,
  ],
  // A certificate the client refuses (corporate proxy, wrong CA bundle) fails the same way every time.
  [/cert|^unable_to_|^err_tls_|^err_ssl_/, 'tls_error', false],
  [/^(?:ehostunreach|enetunreach|enetdown|und_err_.*|err_.*)$/, 'connection_error', true],
];

const NETWORK_TEXT: [RegExp, Reason][] = [
  [
    // Node: "Client network socket disconnected before secure TLS connection was established" is ECONNRESET.
    // Bun: "The socket connection was closed unexpectedly".
    /disconnected before secure tls|econnreset|socket hang up|connection reset|socket connection was closed|connection (?:was )?closed unexpectedly|remote end closed|other side closed|connection aborted|premature close|\bterminated\b|server disconnected|peer closed connection|incomplete chunked read|remoteprotocolerror|closed connection without/,
    'connection_reset',
  ],
  [/connection refused|econnrefused|errno 111|winerror 10061|actively refused/, 'connection_refused'],
  [
    /getaddrinfo|enotfound|name or service not known|nodename nor servname|could not resolve host|no such host|name resolution/,
    'dns_failure',
  ],
  // Go clients (gateways, plugin daemons): "context deadline exceeded" is their own deadline passing.
  [/timed? ?out|timeout|context deadline exceeded/, 'timeout'],
  // Not "ssl:default", which aiohttp prints in every connection error.
  [
    /certificate|\[ssl[:\]]|sslerror|ssl_error|self[- ]signed|unable to verify|handshake fail|wrong version number/,
    'tls_error',
  ],
  [
    // Browsers: "Failed to fetch"; node-fetch: "request to <url> failed, reason: <cause>", the cause empty at times;
    // Rust's reqwest/hyper (Deno too): "error sending request for url (…)", "error trying to connect".
    /connection error|fetch failed|failed to fetch|request to \S+ failed, reason|error sending request|error trying to connect|tcp connect error|connection closed before message completed|networkerror when attempting to fetch|unable to connect|cannot connect|failed to connect|network error|network is unreachable|no route to host|connecterror|error communicating with|max retries exceeded with url|failed to establish a new connection|proxy connection|tunneling socket/,
    'connection_error',
  ],
];
const RETRYABLE_TEXT = new Map<Reason, boolean>([
  ['tls_error', false],
  // "Temporary failure in name resolution" (EAI_AGAIN) clears; "Name or service not known" does not.
  ['dns_failure', false],
]);
const TEMPORARY_DNS = /temporary failure in name resolution|eai_again/;

const TIMEOUT_KINDS = new Set([
  'apiconnectiontimeouterror',
  'apitimeouterror',
  'timeouterror',
  'connecttimeouterror',
  'headerstimeouterror',
  'bodytimeouterror',
  'readtimeout',
  'connecttimeout',
]);
const CONNECTION_KINDS = new Set([
  'apiconnectionerror',
  'fetcherror',
  'connecterror',
  'connectionerror',
  'socketerror',
  'requesterror',
  'remoteprotocolerror',
]);

const CLIENT_DEADLINE = /context deadline exceeded/;

/** Whether the failure carries a socket-level mark (a Node code, a connection or timeout class). */
export function hasNetworkMark(s: Signals): boolean {
  return s.nodeCode !== null || hasKind(s, TIMEOUT_KINDS) || hasKind(s, CONNECTION_KINDS);
}

/**
 * A Go client's own deadline passed with no response (Dify's plugin daemon, Go gateways): no response came,
 * whatever `type` its report carries (they say `server_error`).
 */
export function clientGaveUp(s: Signals): boolean {
  return s.status === null && says(s, CLIENT_DEADLINE);
}

const ABORT_KINDS = new Set(['apiuseraborterror', 'aborterror']);
const ABORTED =
  /request was aborted|operation was aborted(?! due to timeout)|user aborted|aborted by (?:the )?user|client closed request|canceled by (?:the )?(?:client|user)/;

/** Rule 8 (abort part), ahead of the network rule: the client gave up on purpose; nothing names a cause. */
export const abortRule: Rule = {
  name: 'abort',
  confidence: 'text_pattern',
  match(s) {
    if (hasKind(s, TIMEOUT_KINDS)) return null;
    if (hasKind(s, ABORT_KINDS)) return withConfidence(verdict('unknown', 'aborted'), 'documented_code');
    return says(s, ABORTED) ? verdict('unknown', 'aborted') : null;
  },
};

// A client that got a response it could not read (an empty or cut body, a chunk that is not JSON): only the
// decode failure is visible, not what the provider meant (shared/corpus/README.md rule 8).
const UNDECODABLE =
  /invalid json response body|unexpected end of json input|error parsing chunk|jsondecodeerror|expecting value: line \d+ column \d+|could not parse (?:the )?(?:message|response|chunk) (?:into|as) json|unexpected token .{1,20} in json at position|is not valid json|failed to parse (?:the )?(?:response|stream|chunk)/;

// Every UNDECODABLE pattern holds one of these words; most errors hold none.
const mayBeUndecodable = (text: string) =>
  text.includes('json') ||
  text.includes('pars') ||
  text.includes('chunk') ||
  text.includes('expecting value');

/**
 * Rule 8 (decode part), after every rule that reads a payload and before the network rule: with no status,
 * a response that arrived but would not parse names no cause, even when a gateway calls it a connection error.
 */
export const undecodableRule: Rule = {
  name: 'undecodable-response',
  confidence: 'text_pattern',
  match(s) {
    // A socket code means no response came at all: nothing to decode.
    return s.status === null && s.nodeCode === null && mayBeUndecodable(s.text) && says(s, UNDECODABLE)
      ? verdict('unknown', 'unrecognized')
      : null;
  },
};

// Loopback and private addresses: the service behind the proxy runs on the caller's own host or network.
const OWN_HOST = String.raw`(?:\[::1\]|::1|127\.\d+\.\d+\.\d+|localhost|0\.0\.0\.0|host\.docker\.internal|10\.\d+\.\d+\.\d+|192\.168\.\d+\.\d+|172\.(?:1[6-9]|2\d|3[01])\.\d+\.\d+)`;
const OWN_UPSTREAM_DOWN = new RegExp(
  `(?:dial tcp|connect(?:ex)?|upstream|round-trip)[^\\n]{0,80}?${OWN_HOST}(?::\\d+)?\\b[^\\n]{0,120}?(?:refused|no connection could be made|connection reset|i/o timeout|no route to host)`,
);

/**
 * Rule 6 (gateway part), before the server rule: a proxy on the caller's side (a local OpenAI-compatible
 * shim in front of Ollama) answers 5xx because the service it forwards to, on the caller's own host or
 * network, refused or dropped the connection. The label follows that upstream cause. Not a provider's edge
 * failing inside the provider (Envoy "upstream connect error … connection refused" names no host of ours).
 */
export const ownUpstreamRule: Rule = {
  name: 'own-upstream-unreachable',
  confidence: 'text_pattern',
  match(s) {
    if (s.status === null || s.status < 500 || !says(s, OWN_UPSTREAM_DOWN)) return null;
    return verdict(
      'network_error',
      says(s, /refused|no connection could be made/) ? 'connection_refused' : 'connection_error',
    );
  },
};

/** Rule 6: no HTTP response was received (socket, DNS, TLS, timeout), SDK connection errors included. */
export const networkRule: Rule = {
  name: 'network',
  confidence: 'documented_code',
  match(s) {
    // A gateway's 408 (LiteLLM "litellm.Timeout", OpenRouter) says the upstream never answered.
    if (s.status === 408) return withConfidence(verdict('network_error', 'timeout'), 'status_only');
    // A structured status means a response arrived; a gateway calling it APIConnectionError does not change that.
    if (s.status !== null && !s.statusFromText) return null;
    const code = s.nodeCode?.toLowerCase();
    if (code)
      for (const [pattern, reason, retryable] of NODE_CODES)
        if (pattern.test(code)) return verdict('network_error', reason, retryable);
    if (hasKind(s, TIMEOUT_KINDS)) return verdict('network_error', 'timeout');
    const reason = firstReason(s, NETWORK_TEXT);
    if (reason) {
      const retryable =
        reason === 'dns_failure' && says(s, TEMPORARY_DNS) ? true : RETRYABLE_TEXT.get(reason);
      return withConfidence(verdict('network_error', reason, retryable), 'text_pattern');
    }
    // The SDKs' own class for "no response" (APIConnectionError): documented, if not specific.
    if (hasKind(s, CONNECTION_KINDS)) return verdict('network_error', 'connection_error');
    return null;
  },
};
