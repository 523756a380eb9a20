import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ServerSettings, TlsSettings } from '../../config/config.schema';
import type { ConnectionSettings } from './connection-facts';
import { TrustedProxies } from '../../config/trusted-proxies';

/** Fastify's `https` options for `[server.tls]`, or undefined when grantry serves plain http. */
export interface HttpsOptions {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
  requestCert: boolean;
  rejectUnauthorized: false;
}

/**
 * `[server.tls]` as a listener: the certificate and key (paths from the deployment file's folder)
 * and, with `client_ca`, a request for client certificates. The handshake never fails for a
 * certificate that does not verify (`rejectUnauthorized: false`): a self-signed certificate is
 * exactly what `self_signed_tls_client_auth` takes, and `tls_client_auth` refuses it itself
 * (`authorized` is false). A file that cannot be read stops start-up naming the key and the path.
 */
export function httpsOptions(tls: TlsSettings | undefined, configDir: string): HttpsOptions | undefined {
  if (!tls?.cert || !tls.key) return undefined;
  const ca = tls.client_ca ? readTlsFile('client_ca', tls.client_ca, configDir) : undefined;
  return { cert: readTlsFile('cert', tls.cert, configDir), key: readTlsFile('key', tls.key, configDir), ca, requestCert: ca !== undefined, rejectUnauthorized: false };
}

/** What the connection facts need of `[server]`: trusted proxies, the certificate header, and the client CA certificates. */
export function connectionSettings(server: ServerSettings, configDir: string): ConnectionSettings {
  const { proxies } = TrustedProxies.parse(server.trusted_proxies);
  const tls = server.tls;
  const clientCas = tls?.client_ca ? pemCertificates(readTlsFile('client_ca', tls.client_ca, configDir).toString('utf8'), tls.client_ca) : undefined;
  return { proxies, certificateHeader: tls?.client_certificate_header ? tls.client_certificate_header.toLowerCase() : undefined, clientCas };
}

function readTlsFile(key: string, path: string, configDir: string): Buffer {
  const absolute = resolve(configDir, path);
  try {
    return readFileSync(absolute);
  } catch (error) {
    throw new Error(`[server.tls] ${key} = ${JSON.stringify(path)}: cannot read ${absolute}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

function pemCertificates(text: string, path: string): X509Certificate[] {
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (!blocks.length) throw new Error(`[server.tls] client_ca = ${JSON.stringify(path)}: no PEM certificate in the file`);
  return blocks.map((block) => new X509Certificate(block));
}
