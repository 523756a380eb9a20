import { BlockList, isIP } from 'node:net';

/**
 * `[server] trusted_proxies`: the TCP peers whose forwarding headers (X-Forwarded-For,
 * X-Forwarded-Proto, `[server.tls] client_certificate_header`) are believed. Each entry is an IP
 * address or a CIDR block, IPv4 or IPv6; nothing else (no host names: a name would be resolved
 * once and then trusted whatever it pointed at later).
 */
export class TrustedProxies {
  private constructor(private readonly list: BlockList | undefined) {}

  /** The parsed list, or the entries that are no address or block (for the config check). */
  static parse(entries: readonly unknown[]): { proxies: TrustedProxies; problems: string[] } {
    const list = new BlockList();
    const problems: string[] = [];
    entries.forEach((entry, i) => {
      const problem = typeof entry === 'string' ? addEntry(list, entry.trim()) : 'must be a string';
      if (problem) problems.push(`server.trusted_proxies[${i}] = ${JSON.stringify(entry)}: ${problem}`);
    });
    return { proxies: new TrustedProxies(entries.length ? list : undefined), problems };
  }

  static readonly NONE = new TrustedProxies(undefined);

  get any(): boolean {
    return this.list !== undefined;
  }

  /** Whether `address` (a socket's remote address; IPv4-mapped IPv6 as its IPv4) is a trusted proxy. */
  trusts(address: string | undefined): boolean {
    if (!this.list || !address) return false;
    const plain = unmapped(address);
    const family = isIP(plain);
    return family !== 0 && this.list.check(plain, family === 4 ? 'ipv4' : 'ipv6');
  }
}

/** `::ffff:192.0.2.1` (a dual-stack socket's IPv4 peer) is `192.0.2.1`. */
export function unmapped(address: string): string {
  const match = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return match ? match[1] : address;
}

function addEntry(list: BlockList, entry: string): string | undefined {
  const slash = entry.indexOf('/');
  const address = slash < 0 ? entry : entry.slice(0, slash);
  const family = isIP(address);
  if (family === 0) return 'not an IP address or CIDR block';
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (slash < 0) {
    list.addAddress(address, type);
    return undefined;
  }
  const prefixText = entry.slice(slash + 1);
  const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!(prefix >= 0 && prefix <= (family === 4 ? 32 : 128))) return `prefix length must be 0-${family === 4 ? 32 : 128}`;
  list.addSubnet(address, prefix, type);
  return undefined;
}
