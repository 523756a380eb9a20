// The ceiling: a minimal Fastify server doing what grantry's token endpoint must do at least —
// parse the same urlencoded body, authenticate the client, sign the same claims with jose — and
// nothing else. grantry's throughput is reported as a fraction of this one's.
//   node bench/ceiling.mjs ALG PORT CLIENT_ID SECRET                      client_secret_basic (a constant check)
//   node bench/ceiling.mjs ALG PORT CLIENT_ID - JWKS_FILE AUDIENCE        private_key_jwt: an ES256 assertion verified
//                                                                          with jose, its jti kept in a Map
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';
import { parse } from 'fast-querystring';
import { exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT } from 'jose';

const [alg = 'RS256', port = '8091', clientId = 'ceiling', secret = 'ceiling-secret', jwksFile, audience] = process.argv.slice(2);
const { privateKey, publicKey } = await generateKeyPair(alg === 'RS256' ? 'RS256' : alg, { modulusLength: 2048 });
const kid = (await exportJWK(publicKey)).kty + '-ceiling';
const expected = Buffer.from(`Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`);
const issuer = `http://127.0.0.1:${port}`;
const clientKey = jwksFile ? await importJWK(JSON.parse(readFileSync(jwksFile, 'utf8')).keys[0], 'ES256') : undefined;
const seen = new Map();

async function authenticated(request) {
  if (!clientKey) {
    const presented = Buffer.from(request.headers.authorization ?? '');
    return presented.length === expected.length && timingSafeEqual(presented, expected);
  }
  try {
    const { payload } = await jwtVerify(request.body.client_assertion, clientKey, { algorithms: ['ES256'], issuer: clientId, subject: clientId, audience, requiredClaims: ['exp', 'jti'] });
    if (seen.has(payload.jti)) return false;
    seen.set(payload.jti, payload.exp);
    return true;
  } catch {
    return false;
  }
}

const app = Fastify({ bodyLimit: 65536 });
app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, parse(body)));
app.post('/oauth2/token', async (request, reply) => {
  if (!(await authenticated(request))) return reply.code(401).send({ error: 'invalid_client' });
  if (request.body.grant_type !== 'client_credentials') return reply.code(400).send({ error: 'unsupported_grant_type' });
  const iat = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({ iss: issuer, sub: clientId, aud: clientId, exp: iat + 3600, iat, jti: randomBytes(16).toString('base64url'), client_id: clientId, scope: 'bench' })
    .setProtectedHeader({ alg, kid, typ: 'at+jwt' })
    .sign(privateKey);
  return reply.header('cache-control', 'no-store').send({ access_token: token, token_type: 'Bearer', expires_in: 3600, scope: 'bench' });
});
await app.listen({ port: Number(port), host: '127.0.0.1' });
process.stdout.write('ready\n');
