/** RFC 8252 §7.3 loopback hosts (and localhost, for development): where http stands in for https. */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === '127.0.0.1' || hostname === '[::1]' || hostname === 'localhost';
}
