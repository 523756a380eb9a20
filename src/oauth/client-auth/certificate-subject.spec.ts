import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TLS_CLIENT_AUTH_DEFAULTS } from '../../clients/tls-client-auth-metadata';
import { certificateMatchesSubject } from './certificate-subject';

describe('certificateMatchesSubject (RFC 8705 §2.1.2)', () => {
  let certificate: X509Certificate;
  beforeAll(() => {
    const dir = mkdtempSync(join(tmpdir(), 'grantry-subject-'));
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'k'), '-out', join(dir, 'c'), '-days', '1',
        '-subj', '/C=SE/O=Example, Inc./CN=client', '-addext', 'subjectAltName=DNS:Client.Example,URI:https://client.example/id,IP:2001:db8::1,email:Ops@Example.com'], { stdio: 'ignore' });
      certificate = new X509Certificate(readFileSync(join(dir, 'c')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  const expecting = (fields: Partial<typeof TLS_CLIENT_AUTH_DEFAULTS>) => certificateMatchesSubject(certificate, { ...TLS_CLIENT_AUTH_DEFAULTS, ...fields });

  it('compares the subject DN RDN by RDN, in RFC 4514 order, case-insensitively, escapes honoured', () => {
    expect(expecting({ tls_client_auth_subject_dn: 'CN=client,O=Example\\, Inc.,C=SE' })).toBe(true);
    expect(expecting({ tls_client_auth_subject_dn: 'cn=CLIENT, o=example\\2C inc., c=se' })).toBe(true);
    expect(expecting({ tls_client_auth_subject_dn: 'C=SE,O=Example\\, Inc.,CN=client' })).toBe(false);
    expect(expecting({ tls_client_auth_subject_dn: 'CN=client,O=Example\\, Inc.' })).toBe(false);
  });

  it('matches one SAN of the registered kind', () => {
    expect(expecting({ tls_client_auth_san_dns: 'client.example' })).toBe(true);
    expect(expecting({ tls_client_auth_san_uri: 'https://client.example/id' })).toBe(true);
    expect(expecting({ tls_client_auth_san_uri: 'https://client.example/ID' })).toBe(false);
    expect(expecting({ tls_client_auth_san_ip: '2001:db8:0:0:0:0:0:1' })).toBe(true);
    expect(expecting({ tls_client_auth_san_email: 'ops@example.com' })).toBe(true);
    expect(expecting({ tls_client_auth_san_dns: 'client.example.org' })).toBe(false);
    expect(expecting({ tls_client_auth_san_ip: '192.0.2.1' })).toBe(false);
  });

  describe('what looks alike but is not the same subject', () => {
    const made = (subject: string, ...extra: string[]) => {
      const dir = mkdtempSync(join(tmpdir(), 'grantry-subject-'));
      try {
        execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'k'), '-out', join(dir, 'c'), '-days', '1', '-subj', subject, ...extra], { stdio: 'ignore' });
        return new X509Certificate(readFileSync(join(dir, 'c')));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    };
    const matches = (cert: X509Certificate, dn: string) => certificateMatchesSubject(cert, { ...TLS_CLIENT_AUTH_DEFAULTS, tls_client_auth_subject_dn: dn });

    it('a multi-valued RDN matches as a set, and a CN that merely contains "+O=" does not', () => {
      const multi = made('/O=Example/CN=a+O=b', '-multivalue-rdn');
      expect(matches(multi, 'CN=a+O=b,O=Example')).toBe(true);
      expect(matches(multi, 'O=b+CN=a,O=Example')).toBe(true);
      const single = made('/O=Example/CN=a\\+O=b');
      expect(matches(single, 'CN=a+O=b,O=Example')).toBe(false);
      expect(matches(single, 'CN=a\\+O=b,O=Example')).toBe(true);
    });

    it('folds case in ASCII only: the Kelvin sign is not a K', () => {
      const kacme = made('/O=Example/CN=kacme', '-utf8');
      expect(matches(kacme, 'CN=KACME,O=Example')).toBe(true);
      expect(matches(kacme, 'CN=\u212Aacme,O=Example')).toBe(false);
    });
  });
});

