import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A self-signed certificate and its key, made with the openssl command line (as operators do). */
export function selfSignedCertificate(dir: string, name: string, keyArgs = ['-newkey', 'rsa:2048']): { certPem: string; keyPem: string; certFile: string; keyFile: string } {
  const keyFile = join(dir, `${name}.key`);
  const certFile = join(dir, `${name}.crt`);
  execFileSync('openssl', ['req', '-x509', ...keyArgs, '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '30', '-subj', `/CN=${name}`], { stdio: 'ignore' });
  return { certPem: readFileSync(certFile, 'utf8'), keyPem: readFileSync(keyFile, 'utf8'), certFile, keyFile };
}

/** A PKCS#12 bundle of that key and certificate, protected by `password`, the entry named `alias`. */
export function pkcs12(dir: string, name: string, password: string, alias: string): string {
  const { certFile, keyFile } = selfSignedCertificate(dir, name);
  const p12 = join(dir, `${name}.p12`);
  execFileSync('openssl', ['pkcs12', '-export', '-inkey', keyFile, '-in', certFile, '-name', alias, '-out', p12, '-passout', `pass:${password}`], { stdio: 'ignore' });
  return p12;
}

export function writeText(dir: string, name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}
