import { randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, SignJWT } from 'jose';
import * as oauth from 'oauth4webapi';

/** A DPoP key: oauth4webapi's handle for it, and what the tests need to sign proofs by hand. */
export interface DpopKey {
  pair: Awaited<ReturnType<typeof oauth.generateKeyPair>>;
  jwk: Record<string, unknown>;
  jkt: string;
}

export async function dpopKey(): Promise<DpopKey> {
  const pair = await oauth.generateKeyPair('ES256');
  const jwk = (await exportJWK(pair.publicKey)) as Record<string, unknown>;
  return { pair, jwk, jkt: await calculateJwkThumbprint(jwk as never, 'sha256') };
}

/** A proof signed by hand (RFC 9449 §4.2); `claims` override or (undefined) remove the defaults. */
export async function proof(key: DpopKey, claims: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<string> {
  const payload: Record<string, unknown> = { jti: randomUUID(), iat: Math.floor(Date.now() / 1000), ...claims };
  for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
  return new SignJWT(payload).setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk: key.jwk as never, ...header }).sign(key.pair.privateKey);
}
