import type { Reason } from '../reasons.ts';
import { firstReason, hasKind, type Rule, says, verdict } from '../rule.ts';
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
    /disconnected before secure tls|econnreset|socket hang up|connection reset|remote end closed|other side closed|connection aborted|premature close|\bterminated\b|server disconnected|peer closed connection|incomplete chunked read|remoteprotocolerror|closed connection without/,
    'connection_reset',
  ],
  [/connection refused|econnrefused|errno 111|winerror 10061|actively refused/, 'connection_refused'],
  [
    /getaddrinfo|enotfound|name or service not known|nodename nor servname|could not resolve host|no such host|name resolution/,
    'dns_failure',
  ],
  [/timed? ?out|timeout/, 'timeout'],
  // Not "ssl:default", which aiohttp prints in every connection error.
  [
    /certificate|\[ssl[:\]]|sslerror|ssl_error|self[- ]signed|unable to verify|handshake fail|wrong version number/,
    'tls_error',
  ],
  [
    /connection error|fetch failed|unable to connect|cannot connect|failed to connect|network error|network is unreachable|no route to host|connecterror|error communicating with|max retries exceeded with url|failed to establish a new connection|proxy connection|tunneling socket/,
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

/** Whether the failure carries a socket-level mark (a Node code, a connection or timeout class). */
export function hasNetworkMark(s: Signals): boolean {
  return s.nodeCode !== null || hasKind(s, TIMEOUT_KINDS) || hasKind(s, CONNECTION_KINDS);
}

const ABORT_KINDS = new Set(['apiuseraborterror', 'aborterror']);
const ABORTED =
  /request was aborted|operation was aborted(?! due to timeout)|user aborted|aborted by (?:the )?user|client closed request|canceled by (?:the )?(?:client|user)/;

/** Rule 8 (abort part), ahead of the network rule: the client gave up on purpose; nothing names a cause. */
export const abortRule: Rule = {
  name: 'abort',
  match(s) {
    if (hasKind(s, TIMEOUT_KINDS)) return null;
    if (hasKind(s, ABORT_KINDS) || says(s, ABORTED)) return verdict('unknown', 'aborted');
    return null;
  },
};

/** Rule 6: no HTTP response was received (socket, DNS, TLS, timeout), SDK connection errors included. */
export const networkRule: Rule = {
  name: 'network',
  match(s) {
    // A gateway's 408 (LiteLLM "litellm.Timeout", OpenRouter) says the upstream never answered.
    if (s.status === 408) return verdict('network_error', 'timeout');
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
      return verdict('network_error', reason, retryable);
    }
    if (hasKind(s, CONNECTION_KINDS)) return verdict('network_error', 'connection_error');
    return null;
  },
};
