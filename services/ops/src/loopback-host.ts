/**
 * Whether a `Host` header names this machine's loopback: 127.0.0.1, localhost or [::1], with or
 * without a port. A page that rebinds its own name to 127.0.0.1 (DNS rebinding) still sends its
 * name here, so an answer without credentials goes only to a loopback Host, as webpack-dev-server
 * (`allowedHosts`), Vite (`server.allowedHosts`) and Jupyter do.
 */
export function isLoopbackHost(host: string | undefined): boolean {
  if (!host) return false;
  const m = /^(\[::1\]|127\.0\.0\.1|localhost)(?::(\d{1,5}))?$/i.exec(host.trim());
  return m !== null;
}
