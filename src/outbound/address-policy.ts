import { BlockList, isIP } from 'node:net';

/** IPv4 ranges an outbound fetch must not reach unless private networks are allowed. */
const BLOCKED_V4 = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16],
  ['172.16.0.0', 12], ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) {
  BLOCKED_V4.addSubnet(network, prefix, 'ipv4');
}

/**
 * IPv6 ranges blocked outright: unspecified and loopback, IPv4-compatible (::/96, deprecated),
 * unique-local, link-local, site-local (deprecated), multicast, local-use NAT64 (RFC 8215) and Teredo (RFC 4380: its
 * IPv4 parts are obfuscated, so it cannot be judged by them).
 */
const BLOCKED_V6 = new BlockList();
for (const [network, prefix] of [
  ['::', 96], ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8], ['64:ff9b:1::', 48], ['2001::', 32],
] as const) {
  BLOCKED_V6.addSubnet(network, prefix, 'ipv6');
}

/**
 * Loopback, private, link-local, CGNAT, multicast or reserved — also when an IPv4 address
 * hides inside IPv6: IPv4-mapped (::ffff:0:0/96), NAT64 (64:ff9b::/96, RFC 6052) and 6to4
 * (2002::/16, RFC 3056) carry one that is judged as IPv4. Anything unparsable counts as non-public.
 */
export function isNonPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return BLOCKED_V4.check(address, 'ipv4');
  if (family !== 6) return true;
  const bytes = ipv6Bytes(address);
  if (!bytes) return true;
  const embedded = embeddedIpv4(bytes);
  if (embedded) return BLOCKED_V4.check(embedded, 'ipv4');
  return BLOCKED_V6.check(address, 'ipv6');
}

/** The IPv4 address an IPv4-mapped, NAT64 or 6to4 address carries. */
function embeddedIpv4(bytes: number[]): string | undefined {
  const startsWith = (prefix: number[]) => prefix.every((byte, i) => bytes[i] === byte);
  const v4 = (offset: number) => bytes.slice(offset, offset + 4).join('.');
  if (startsWith([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff])) return v4(12); // ::ffff:a.b.c.d
  if (startsWith([0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0])) return v4(12); // 64:ff9b::a.b.c.d
  if (startsWith([0x20, 0x02])) return v4(2); // 2002:AABB:CCDD::
  return undefined;
}

/** The 16 bytes of an IPv6 address (with `::` and a trailing dotted IPv4 part), or undefined. */
function ipv6Bytes(address: string): number[] | undefined {
  let text = address.replace(/%.*$/, ''); // a zone id says nothing about the address
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted[1].split('.').map(Number);
    text = `${text.slice(0, -dotted[1].length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail, extra] = text.split('::');
  if (extra !== undefined) return undefined;
  const groups = (part: string | undefined) => (part ? part.split(':') : []);
  const missing = 8 - groups(head).length - groups(tail).length;
  if (tail === undefined ? missing !== 0 : missing < 1) return undefined;
  const all = [...groups(head), ...Array(tail === undefined ? 0 : missing).fill('0'), ...groups(tail)];
  if (all.length !== 8 || all.some((group) => !/^[0-9a-f]{1,4}$/i.test(group))) return undefined;
  return all.flatMap((group) => {
    const value = parseInt(group, 16);
    return [value >> 8, value & 0xff];
  });
}
