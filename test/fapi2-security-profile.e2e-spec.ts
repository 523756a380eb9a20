import type { ClientView } from '../src/clients/clients.service';
import { parseTenantInput } from '../src/tenants/tenant-input';
import { TenantsService } from '../src/tenants/tenants.service';
import { keyPair, signAssertion, SigningKeyPair } from './support/assertions';
import { dpopKey, proof } from './support/dpop';
import { createClient, startServer, stopServer, TEST_ACTOR, TestServer } from './support/server';
import { inTenant } from './support/tenants';

const BANK = 'bank.example';
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const now = () => Math.floor(Date.now() / 1000);

/**
 * Issue 29: a tenant under `[oauth.profile] name = "fapi2-security"` (set through its settings)
 * beside the default tenant on baseline, in one server. What the profile narrows is checked here
 * over HTTP; what needs DPoP or mTLS to succeed is checked by the sender-constraint specs.
 */
describe('the fapi2-security profile of a tenant', () => {
  let server: TestServer;
  let key: SigningKeyPair;
  let client: ClientView;
  let issuer: string;

  beforeAll(async () => {
    server = await startServer({ oauth: { registration: { open: true } } });
    await server.app.get(TenantsService).create(parseTenantInput({ domain: BANK, display_name: 'Bank', settings: { oauth: { profile: { name: 'fapi2-security' } } } }), TEST_ACTOR);
    issuer = `${server.url}/t/${BANK}`;
    key = await keyPair('ES256');
    client = await inTenant(server, BANK, () => createClient(server, { grant_types: ['client_credentials'], scope: 'accounts', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [key.publicJwk] } }));
  });
  afterAll(() => stopServer(server));

  const token = async (claims: Record<string, unknown>, signer: SigningKeyPair = key) => {
    const assertion = await signAssertion(signer, { iss: client.client_id, sub: client.client_id, ...claims });
    const answer = await fetch(`${issuer}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: assertion }),
    });
    return { status: answer.status, body: (await answer.json()) as Record<string, unknown> };
  };

  it('advertises only what FAPI 2 allows in the tenant\'s discovery; the default tenant keeps baseline', async () => {
    const bank = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(bank.require_pushed_authorization_requests).toBe(true);
    expect(bank.response_types_supported).toEqual(['code']);
    expect(bank.code_challenge_methods_supported).toEqual(['S256']);
    expect(bank.token_endpoint_auth_methods_supported).toEqual(['private_key_jwt']);
    expect(bank.token_endpoint_auth_signing_alg_values_supported).toEqual(expect.not.arrayContaining(['RS256', 'HS256']));
    const base = (await (await fetch(`${server.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(base.require_pushed_authorization_requests).toBe(false);
    expect(base.token_endpoint_auth_methods_supported).toEqual(expect.arrayContaining(['client_secret_basic', 'private_key_jwt']));
  });

  it('takes a client assertion whose aud is the issuer as a string, then refuses to issue a bearer token', async () => {
    const answer = await token({ aud: issuer });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe('invalid_request');
    expect(answer.body.error_description).toMatch(/sender-constrained/);
  });

  it.each([
    ['the token endpoint URL as aud', () => ({ aud: `${issuer}/oauth2/token` })],
    ['the issuer inside an array', () => ({ aud: [issuer] })],
    ['an iat 61 s ahead', () => ({ aud: issuer, iat: now() + 61 })],
    ['an nbf 61 s ahead', () => ({ aud: issuer, nbf: now() + 61 })],
  ])('refuses %s as invalid_client', async (_name, claims) => {
    const answer = await token(claims());
    expect(answer.status).toBe(401);
    expect(answer.body.error).toBe('invalid_client');
  });

  it('accepts an iat 10 s ahead (FAPI 2.0 SP §5.3.2.1)', async () => {
    const answer = await token({ aud: issuer, iat: now() + 10 });
    expect(answer.body.error_description).toMatch(/sender-constrained/); // through client authentication
  });

  it('refuses an RS256 or HS256 assertion, and a client registered for client_secret_basic', async () => {
    expect((await token({ aud: issuer }, await keyPair('RS256'))).body.error).toBe('invalid_client');
    expect((await token({ aud: issuer }, { privateKey: new Uint8Array(32).fill(7), alg: 'HS256', kid: key.kid } as unknown as SigningKeyPair)).body.error).toBe('invalid_client');
    await expect(inTenant(server, BANK, () => createClient(server, { grant_types: ['client_credentials'], scope: 'accounts' }))).rejects.toMatchObject({
      code: 'invalid_client_metadata',
      message: 'token_endpoint_auth_method client_secret_basic is not allowed by the fapi2-security security profile',
    });
  });

  it('refuses an authorization request that was not pushed, at the client\'s redirect URI', async () => {
    const web = await inTenant(server, BANK, () =>
      createClient(server, { grant_types: ['authorization_code'], redirect_uris: ['https://rp.example/cb'], scope: 'openid', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [key.publicJwk] } }),
    );
    const challenge = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
    const answer = await fetch(`${issuer}/oauth2/authorize?${new URLSearchParams({ client_id: web.client_id, response_type: 'code', redirect_uri: 'https://rp.example/cb', scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256' })}`, { redirect: 'manual' });
    expect(answer.status).toBe(303);
    const location = new URL(answer.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe('https://rp.example/cb');
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('error_description')).toMatch(/pushed/);
  });

  it('holds one client of a baseline tenant to fapi2-security when an administrator says so (security_profile)', async () => {
    const strict = await createClient(server, { grant_types: ['client_credentials'], scope: 'accounts', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [key.publicJwk] }, security_profile: 'fapi2-security' });
    expect(strict.security_profile).toBe('fapi2-security');
    const send = async (aud: unknown) => {
      const assertion = await signAssertion(key, { iss: strict.client_id, sub: strict.client_id, aud });
      const answer = await fetch(`${server.url}/oauth2/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: assertion }) });
      return (await answer.json()) as Record<string, unknown>;
    };
    expect((await send(`${server.url}/oauth2/token`)).error).toBe('invalid_client');
    expect((await send(server.url)).error_description).toMatch(/sender-constrained/);
    // Its profile asks DPoP server nonces even though the issuer's (baseline) does not.
    const assertion = await signAssertion(key, { iss: strict.client_id, sub: strict.client_id, aud: server.url });
    const dpop = await proof(await dpopKey(), { htm: 'POST', htu: `${server.url}/oauth2/token` });
    const answer = await fetch(`${server.url}/oauth2/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', dpop }, body: new URLSearchParams({ grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: assertion }) });
    expect(answer.status).toBe(400);
    expect(((await answer.json()) as { error: string }).error).toBe('use_dpop_nonce');
    expect(answer.headers.get('dpop-nonce')).toBeTruthy();
    await expect(createClient(server, { grant_types: ['client_credentials'], security_profile: 'fapi2-security' })).rejects.toMatchObject({
      message: 'token_endpoint_auth_method client_secret_basic is not allowed by the fapi2-security security profile',
    });
  });

  it('refuses a client profile weaker than its tenant\'s, and any profile from a registrant', async () => {
    await expect(inTenant(server, BANK, () => createClient(server, { grant_types: ['client_credentials'], token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [key.publicJwk] }, security_profile: 'baseline' }))).rejects.toMatchObject({
      message: "security_profile baseline is weaker than this issuer's fapi2-security: a client's profile may only be stricter",
    });
    const registered = await fetch(`${server.url}/oauth2/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ redirect_uris: ['https://rp.example/cb'], security_profile: 'fapi2-security' }) });
    expect(registered.status).toBe(400);
    expect(((await registered.json()) as { error: string }).error).toBe('invalid_client_metadata');
  });
});
