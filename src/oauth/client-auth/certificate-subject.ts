import type { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import type { TlsClientAuthMetadata } from '../../clients/tls-client-auth-metadata';

/**
 * RFC 8705 §2.1.2: whether the certificate carries the subject a `tls_client_auth` client
 * registered — its subject DN (RFC 4514 string, compared RDN by RDN, a multi-valued RDN's
 * attributes as a set, attribute types and values case-insensitively in ASCII only, as
 * distinguishedNameMatch does for the usual directory strings: no Unicode folding makes the Kelvin
 * sign a K) or one SAN entry of the registered kind (dNSName and rfc822Name case-insensitively in
 * ASCII, iPAddress by address, uniformResourceIdentifier exactly).
 */
export function certificateMatchesSubject(certificate: X509Certificate, expected: TlsClientAuthMetadata): boolean {
  if (expected.tls_client_auth_subject_dn !== null) return sameDn(certificate.subject, expected.tls_client_auth_subject_dn);
  const sans = subjectAltNames(certificate.subjectAltName);
  if (expected.tls_client_auth_san_dns !== null) return sans.some(([kind, value]) => kind === 'DNS' && asciiLower(value) === asciiLower(expected.tls_client_auth_san_dns!));
  if (expected.tls_client_auth_san_uri !== null) return sans.some(([kind, value]) => kind === 'URI' && value === expected.tls_client_auth_san_uri);
  if (expected.tls_client_auth_san_email !== null) return sans.some(([kind, value]) => kind === 'email' && asciiLower(value) === asciiLower(expected.tls_client_auth_san_email!));
  if (expected.tls_client_auth_san_ip !== null) {
    const want = canonicalIp(expected.tls_client_auth_san_ip);
    return want !== undefined && sans.some(([kind, value]) => kind === 'IP Address' && canonicalIp(value) === want);
  }
  return false; // nothing registered: registration refuses that for tls_client_auth
}

/** Node writes the subject one RDN a line, in certificate order; RFC 4514 strings list them the other way round. */
function sameDn(subject: string, registered: string): boolean {
  const actual = subject.split('\n').filter(Boolean).map(normaliseRdn).reverse();
  const wanted = splitUnescaped(registered, ',').map(normaliseRdn);
  return actual.length === wanted.length && actual.every((rdn, i) => rdn === wanted[i]);
}

/** An RDN as a sorted set of its attributes: `CN=a+O=b` (RFC 4514) and Node's `CN=a + O=b` alike; an escaped `\+` stays in its value. */
function normaliseRdn(rdn: string): string {
  return splitUnescaped(rdn, '+').map(normaliseAttribute).sort().join('+');
}

function normaliseAttribute(attribute: string): string {
  const equals = attribute.indexOf('=');
  if (equals < 0) return asciiLower(attribute.trim());
  const type = attribute.slice(0, equals).trim().toUpperCase();
  const value = asciiLower(unescapeDnValue(attribute.slice(equals + 1).trim()).replace(/\s+/g, ' '));
  // A separator inside a value is kept escaped, so a value holding `+` or `,` never reads as two attributes.
  return `${ALIASES[type] ?? type}=${value.replace(/[\\+,]/g, (c) => `\\${c}`)}`;
}

/** Lower-case A-Z only: Unicode case folding would make different characters equal (the Kelvin sign and K). */
function asciiLower(text: string): string {
  return text.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

const ALIASES: Record<string, string> = { '2.5.4.3': 'CN', '2.5.4.10': 'O', '2.5.4.11': 'OU', '2.5.4.6': 'C', '2.5.4.7': 'L', '2.5.4.8': 'ST', EMAILADDRESS: 'EMAILADDRESS' };

/** RFC 4514 §2.4 escapes (`\,` and `\2C`); Node quotes a value that needs it as a JSON string. */
function unescapeDnValue(value: string): string {
  if (value.startsWith('"') && value.endsWith('"')) {
    try {
      return JSON.parse(value) as string;
    } catch {
      return value;
    }
  }
  return value.replace(/\\([0-9a-fA-F]{2}|.)/g, (_, escaped: string) => (escaped.length === 2 ? String.fromCharCode(parseInt(escaped, 16)) : escaped));
}

function splitUnescaped(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\' && i + 1 < text.length) {
      current += text[i] + text[++i];
    } else if (text[i] === separator) {
      parts.push(current);
      current = '';
    } else current += text[i];
  }
  parts.push(current);
  return parts.filter((part) => part.trim() !== '');
}

/** `DNS:a.example, IP Address:192.0.2.1, URI:https://x, email:a@b` as [kind, value] pairs (Node quotes a value holding a comma). */
function subjectAltNames(text: string | undefined): [string, string][] {
  if (!text) return [];
  const entries = text.match(/(?:[^,"]|"(?:[^"\\]|\\.)*")+/g) ?? [];
  return entries.flatMap((entry) => {
    const trimmed = entry.trim();
    const colon = trimmed.indexOf(':');
    if (colon < 0) return [];
    let value = trimmed.slice(colon + 1);
    if (value.startsWith('"')) {
      try {
        value = JSON.parse(value) as string;
      } catch {
        return [];
      }
    }
    return [[trimmed.slice(0, colon), value] as [string, string]];
  });
}

function canonicalIp(text: string): string | undefined {
  const family = isIP(text);
  if (family === 4) return text;
  if (family === 6) return new URL(`http://[${text}]/`).hostname;
  return undefined;
}
