import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { ConfigError } from '@faultline/client';

/** How Faultline's own HTTP calls leave the machine: provider SDK calls, webhooks, Slack. */
export type Transport = 'undici' | 'fetch';
export const TRANSPORTS: readonly Transport[] = ['undici', 'fetch'];

export interface Egress {
  transport: Transport;
  /** Proxy URLs as given, credentials included: never log them, log `describeEgress` instead. */
  httpsProxy: string | null;
  httpProxy: string | null;
  noProxy: string;
  /** Trusted CAs when FAULTLINE_CA_FILE is set; null: Node's own store (NODE_EXTRA_CA_CERTS included). */
  ca: string[] | null;
  caFile: string | null;
}

const PROXY_EXAMPLE = 'expected a proxy URL such as http://proxy.example.com:3128';

/**
 * A proxy variable's URL, or the reason it is not one. A bare `host:port` means http://, as curl
 * takes it; only http(s) proxies: a CONNECT tunnel is what corporate proxies speak.
 */
export function parseProxyUrl(raw: string): { url: string } | { error: string } {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return { error: PROXY_EXAMPLE };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return { error: `${PROXY_EXAMPLE} (http:// or https://, not ${url.protocol}//)` };
  if (!url.hostname) return { error: PROXY_EXAMPLE };
  return { url: url.href };
}

/** host:port of a proxy URL, without the `user:pass@` it may carry: what logs and errors show. */
export function displayProxy(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || (u.protocol === 'https:' ? 443 : 80)}`;
}

/**
 * The set one of `names` a variable is read from: lower case first, as curl reads them; empty means
 * unset, so `https_proxy=` does not hide HTTPS_PROXY.
 */
function firstSet(env: NodeJS.ProcessEnv, names: string[]): { name: string; value: string } | null {
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) return { name, value };
  }
  return null;
}

/**
 * What Node trusts by default, plus the file's certificates. Passing `ca` replaces Node's store,
 * so it is rebuilt: tls.rootCertificates lacks NODE_EXTRA_CA_CERTS on Node 20, which is read again.
 */
function trustedCas(file: string, env: NodeJS.ProcessEnv): string[] {
  const pems = (path: string, variable: string) => {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      throw new ConfigError([
        { variable, message: `cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? error})` },
      ]);
    }
    const certs = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    if (!certs.length)
      throw new ConfigError([
        { variable, message: `${path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)` },
      ]);
    return certs;
  };
  const getCa = (tls as { getCACertificates?: (type: string) => string[] }).getCACertificates;
  const defaults = getCa
    ? getCa('default')
    : [
        ...tls.rootCertificates,
        ...(env.NODE_EXTRA_CA_CERTS ? pems(env.NODE_EXTRA_CA_CERTS, 'NODE_EXTRA_CA_CERTS') : []),
      ];
  return [...defaults, ...pems(file, 'FAULTLINE_CA_FILE')];
}

/** The egress settings, from env in either case; a bad value stops start-up naming the variable. */
export function egressFromEnv(env: NodeJS.ProcessEnv = process.env): Egress {
  const problems: { variable: string; message: string }[] = [];
  const transport = (env.FAULTLINE_TRANSPORT?.trim() || 'undici') as Transport;
  if (!TRANSPORTS.includes(transport))
    problems.push({ variable: 'FAULTLINE_TRANSPORT', message: 'expected undici (the default) or fetch' });
  const proxy = (names: string[]) => {
    const set = firstSet(env, names);
    if (!set) return null;
    const parsed = parseProxyUrl(set.value);
    if ('url' in parsed) return parsed.url;
    problems.push({ variable: set.name, message: parsed.error });
    return null;
  };
  const httpsProxy = proxy(['https_proxy', 'HTTPS_PROXY']);
  const httpProxy = proxy(['http_proxy', 'HTTP_PROXY']);
  const caFile = env.FAULTLINE_CA_FILE?.trim() || null;
  if (caFile && transport === 'fetch')
    problems.push({
      variable: 'FAULTLINE_CA_FILE',
      message:
        "the platform's fetch (FAULTLINE_TRANSPORT=fetch) cannot be given CAs: set NODE_EXTRA_CA_CERTS instead",
    });
  if (problems.length) throw new ConfigError(problems);
  return {
    transport,
    httpsProxy,
    httpProxy,
    noProxy: firstSet(env, ['no_proxy', 'NO_PROXY'])?.value ?? '',
    ca: caFile ? trustedCas(caFile, env) : null,
    caFile,
  };
}

/** What start-up logs: proxies as host:port, never their credentials. */
export function describeEgress(e: Egress): Record<string, string> {
  const out: Record<string, string> = { transport: e.transport };
  if (e.transport === 'fetch') {
    out.proxy =
      "none from Faultline (recent Node's fetch reads HTTPS_PROXY itself with NODE_USE_ENV_PROXY=1)";
    return out;
  }
  // undici sends https:// through HTTP_PROXY when HTTPS_PROXY is unset (env-http-proxy-agent.js).
  const https = e.httpsProxy ?? e.httpProxy;
  out.https = https ? displayProxy(https) : 'direct';
  out.http = e.httpProxy ? displayProxy(e.httpProxy) : 'direct';
  if ((https || e.httpProxy) && e.noProxy) out.noProxy = e.noProxy;
  out.ca = e.caFile ? `Node's + ${e.caFile}` : "Node's (with NODE_EXTRA_CA_CERTS)";
  return out;
}

/** Whether a proxy is configured, so the caller builds undici's EnvHttpProxyAgent rather than an Agent. */
export const proxied = (e: Egress) => e.transport === 'undici' && Boolean(e.httpsProxy ?? e.httpProxy);

/**
 * Options for undici's Agent or EnvHttpProxyAgent (runtime does not depend on undici: the caller
 * constructs). The proxies are passed explicitly so undici does not read process.env again: an
 * empty string is its "none" (`??` keeps it). `ca` goes to all three places a TLS socket is made:
 * direct (`connect`), inside the CONNECT tunnel (`requestTls`), and to an https:// proxy (`proxyTls`).
 */
export function egressAgentOptions(e: Egress): Record<string, unknown> {
  const tlsOpts = e.ca ? { ca: e.ca } : undefined;
  return {
    ...(tlsOpts ? { connect: tlsOpts, requestTls: tlsOpts, proxyTls: tlsOpts } : {}),
    ...(proxied(e)
      ? { httpProxy: e.httpProxy ?? '', httpsProxy: e.httpsProxy ?? '', noProxy: e.noProxy }
      : {}),
  };
}

/**
 * The proxy undici's EnvHttpProxyAgent sends `url` through, or null for direct, by its rules
 * (lib/dispatcher/env-http-proxy-agent.js, undici 7): for clients that take one proxy URL (Sentry's).
 */
export function proxyFor(e: Egress, url: string): string | null {
  if (!proxied(e)) return null;
  const { protocol, host } = new URL(url);
  const proxy = protocol === 'https:' ? (e.httpsProxy ?? e.httpProxy) : e.httpProxy;
  if (!proxy) return null;
  if (e.noProxy === '*') return null;
  const hostname = host.replace(/:\d*$/, '').toLowerCase();
  const port = Number(new URL(url).port) || (protocol === 'https:' ? 443 : 80);
  for (const entry of e.noProxy.split(/[,\s]/)) {
    if (!entry) continue;
    const withPort = /^(.+):(\d+)$/.exec(entry);
    if (withPort && Number(withPort[2]) !== port) continue;
    const name = (withPort ? withPort[1]! : entry).replace(/^\*?\./, '').toLowerCase();
    if (hostname === name || hostname.endsWith(`.${name}`)) return null;
  }
  return proxy;
}
