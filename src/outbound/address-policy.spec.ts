import { isNonPublicAddress } from './address-policy';

describe('isNonPublicAddress', () => {
  it.each([
    ['8.8.8.8', 'IPv4'],
    ['172.32.0.1', 'just above 172.16.0.0/12'],
    ['100.128.0.1', 'just above CGNAT 100.64.0.0/10'],
    ['2606:4700::1111', 'IPv6'],
    ['::ffff:8.8.8.8', 'IPv4-mapped IPv6 of a public address'],
    ['64:ff9b::808:808', 'NAT64 (RFC 6052) of a public address'],
    ['2002:808:808::1', '6to4 (RFC 3056) of a public address'],
  ])('lets a public address through: %s (%s)', (address) => {
    expect(isNonPublicAddress(address)).toBe(false);
  });

  it.each([
    ['0.0.0.0', 'this network (RFC 791)'],
    ['10.1.2.3', 'private (RFC 1918)'],
    ['172.16.0.1', 'private (RFC 1918)'],
    ['172.31.255.255', 'private (RFC 1918), last address'],
    ['192.168.1.1', 'private (RFC 1918)'],
    ['100.64.0.1', 'shared address space / CGNAT (RFC 6598)'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback, whole /8'],
    ['169.254.169.254', 'link-local: cloud metadata endpoints'],
    ['192.0.0.8', 'IETF protocol assignments (RFC 6890)'],
    ['198.18.0.1', 'benchmarking (RFC 2544)'],
    ['224.0.0.1', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'limited broadcast'],
  ])('blocks IPv4 %s (%s)', (address) => {
    expect(isNonPublicAddress(address)).toBe(true);
  });

  it.each([
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local with a zone id'],
    ['fc00::1', 'unique local (RFC 4193)'],
    ['fd12:3456::1', 'unique local (RFC 4193)'],
    ['ff02::1', 'multicast'],
    ['64:ff9b:1::1', 'local-use NAT64 (RFC 8215)'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'Teredo (RFC 4380): its IPv4 parts are obfuscated'],
  ])('blocks IPv6 %s (%s)', (address) => {
    expect(isNonPublicAddress(address)).toBe(true);
  });

  it.each([
    ['::ffff:127.0.0.1', 'IPv4-mapped, dotted'],
    ['::ffff:7f00:1', 'IPv4-mapped, hex'],
    ['::FFFF:10.0.0.1', 'IPv4-mapped, upper case'],
    ['0:0:0:0:0:ffff:169.254.169.254', 'IPv4-mapped, written out'],
    ['::ffff:127.0.0.1%lo', 'IPv4-mapped with a zone id'],
    ['64:ff9b::127.0.0.1', 'NAT64 (RFC 6052)'],
    ['64:ff9b::a9fe:a9fe', 'NAT64, hex'],
    ['2002:7f00:1::', '6to4 (RFC 3056)'],
    ['2002:a9fe:a9fe::1', '6to4, the metadata address'],
    ['::127.0.0.1', 'IPv4-compatible (deprecated)'],
    ['::8.8.8.8', 'IPv4-compatible (deprecated): blocked whatever it carries'],
  ])('blocks a private IPv4 address hidden in IPv6: %s (%s)', (address) => {
    expect(isNonPublicAddress(address)).toBe(true);
  });

  it.each([
    ['localhost', 'a host name'],
    ['example.com', 'a host name'],
    ['', 'empty'],
    ['[::1]', 'a bracketed literal'],
    ['1.2.3', 'a short IPv4 form'],
    ['01.2.3.4', 'a leading zero'],
    ['1::2::3', 'two ::'],
    ['::ffff:1.2.3.4.5', 'five octets'],
  ])('treats what is not an IP address as non-public (fail closed): %j (%s)', (address) => {
    expect(isNonPublicAddress(address)).toBe(true);
  });
});
