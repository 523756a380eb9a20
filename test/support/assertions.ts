import { randomUUID } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTHeaderParameters } from 'jose';
import { track } from './resources';

export interface SigningKeyPair {
  privateKey: CryptoKey;
  publicJwk: JWK;
  alg: string;
  kid: string;
}

export async function keyPair(alg: string, kid: string = randomUUID()): Promise<SigningKeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}) });
  return { privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' }, alg, kid };
}

/** A signed assertion with sensible defaults; `claims` overrides or (with undefined) removes claims. */
export async function signAssertion(
  key: { privateKey: CryptoKey | Uint8Array; alg: string; kid?: string },
  claims: Record<string, unknown>,
  header: Partial<JWTHeaderParameters> = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const payload: Record<string, unknown> = { iat: now, exp: now + 300, jti: randomUUID(), ...claims };
  for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
  return new SignJWT(payload).setProtectedHeader({ alg: key.alg, ...(key.kid ? { kid: key.kid } : {}), ...header }).sign(key.privateKey);
}

/**
 * A JWKS endpoint on loopback whose key set the test can change (a key rotation at the client or
 * IdP), or make fail (`setStatus(500)`: an empty answer with that status). Close it in
 * `finally`/`afterAll`; `close` is safe to call twice and drops open connections.
 */
export async function jwksServer(
  keys: JWK[],
): Promise<{ url: string; setKeys(keys: JWK[]): void; setStatus(status: number): void; hits(): number; close(): Promise<void> }> {
  let current = keys;
  let status = 200;
  let count = 0;
  const server: Server = createServer((_, response) => {
    count++;
    if (status !== 200) return void response.writeHead(status).end();
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: current }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/jwks`,
    setKeys: (next) => (current = next),
    setStatus: (next) => (status = next),
    hits: () => count,
    close: track(`JWKS stub on port ${port}`, async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    }),
  };
}
