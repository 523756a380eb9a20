import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClientView } from '../src/clients/clients.service';
import { jwksServer, keyPair, signAssertion, SigningKeyPair } from './support/assertions';
import { cli } from './support/cli';
import { basic, createClient, startServer, stopServer, TestServer, tokenRequest } from './support/server';

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const now = () => Math.floor(Date.now() / 1000);
const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()) as Record<string, unknown>;

/**
 * `map_subject_to_user` (WSO2 maps an assertion's subject to a local user): per identity
 * provider, through each user's identity links, so two providers never reach each other's users.
 * Driven through the CLI an operator would use.
 */
describe('JWT bearer subjects mapped to users', () => {
  let server: TestServer;
  let idp: SigningKeyPair;
  let jwks: Awaited<ReturnType<typeof jwksServer>>;
  let client: ClientView;
  let env: Record<string, string>;

  beforeAll(async () => {
    // Providers changed by the CLI reach the server within the cache timeout: 0 here, so at once.
    server = await startServer({ cache: { manager: [{ name: 'IdentityProviderCache', timeout: 0 }] }, users: { scrypt_log_n: 14, scrypt_p: 1 }, oauth: { grant_type: { jwt_bearer: { issue_refresh_token: true } } } });
    env = { TEST_MASTER_KEY: server.db.masterKey };
    idp = await keyPair('ES256');
    jwks = await jwksServer([idp.publicJwk]);
    client = await createClient(server, { grant_types: [JWT_BEARER, 'refresh_token'], scope: 'read' });
  });
  afterAll(async () => {
    await jwks?.close();
    await stopServer(server);
  });

  /** The CLI on the server's database, as an operator beside a running server would use it. */
  const run = async (args: string[]) => {
    const result = await cli([...args, '--config', configFile()], env);
    if (result.status !== 0) throw new Error(`grantry ${args.join(' ')} failed: ${result.stderr}`);
    return result.stdout;
  };
  const configFile = () => {
    const file = join(server.db.dir, 'deployment.toml');
    const schema = server.db.schema ? `schema = "${server.db.schema}"\n` : '';
    writeFileSync(file, `[database]\nurl = "${server.db.url}"\n${schema}[security]\nmaster_key = "$env{TEST_MASTER_KEY}"\n[users]\nscrypt_log_n = 14\nscrypt_p = 1\n`);
    return file;
  };
  const createProvider = (name: string, mapped: boolean) => provider(name, mapped);
  const provider = async (name: string, mapped: boolean) =>
    JSON.parse(await run(['idps', 'create', '--name', name, '--issuer', `https://${name}.example`, '--jwks-uri', jwks.url, '--allow-insecure-jwks-uri', ...(mapped ? ['--map-subject-to-user'] : []), '--json']));
  const exchange = async (issuer: string, sub: string) =>
    tokenRequest(
      server,
      { grant_type: JWT_BEARER, assertion: await signAssertion(idp, { iss: issuer, sub, aud: `${server.url}/oauth2/token`, iat: now(), exp: now() + 300, jti: randomUUID() }) },
      { authorization: basic(client.client_id, client.client_secret!) },
    );

  it('issues the linked user\'s id as sub, keeps idp, adds the user\'s claims; refuses unlinked and disabled users', async () => {
    const mapped = await provider('corp', true);
    expect(mapped.map_subject_to_user).toBe(true);
    await provider('partner', true);
    const user = JSON.parse(await run(['users', 'create', '--username', 'zoe', '--claim', 'email=zoe@example.com', '--identity', 'corp=emp-42', '--json']));
    expect(user.identities).toEqual([{ identity_provider: 'corp', subject: 'emp-42' }]);

    const issued = await exchange('https://corp.example', 'emp-42');
    expect(issued.status).toBe(200);
    expect(claimsOf(issued.body.access_token as string)).toMatchObject({ sub: user.id, idp: 'corp', email: 'zoe@example.com', preferred_username: 'zoe' });

    // The same subject from another mapping provider is not zoe: her link names corp.
    expect((await exchange('https://partner.example', 'emp-42')).body).toEqual({ error: 'invalid_grant', error_description: 'the assertion subject is not an enabled user of this server' });
    expect((await exchange('https://corp.example', 'emp-43')).body.error).toBe('invalid_grant');

    await run(['users', 'update', user.id, '--disable']);
    expect((await exchange('https://corp.example', 'emp-42')).body.error).toBe('invalid_grant');
    // Disabling revoked the grant: its refresh token is dead too.
    const refreshed = await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: issued.body.refresh_token as string }, { authorization: basic(client.client_id, client.client_secret!) });
    expect(refreshed.body.error).toBe('invalid_grant');
  });

  it('leaves subjects of a provider without the mapping as they are', async () => {
    await provider('plain', false);
    const issued = await exchange('https://plain.example', 'emp-42');
    expect(claimsOf(issued.body.access_token as string)).toMatchObject({ sub: 'emp-42', idp: 'plain' });
    expect(claimsOf(issued.body.access_token as string).preferred_username).toBeUndefined();
  });

  it('switches the mapping with idps update and refuses an identity naming an unknown provider', async () => {
    const plain = JSON.parse(await run(['idps', 'list', '--json'])).find((p: { name: string }) => p.name === 'plain');
    expect(JSON.parse(await run(['idps', 'update', plain.id, '--map-subject-to-user', '--json'])).map_subject_to_user).toBe(true);
    expect((await exchange('https://plain.example', 'emp-42')).body.error).toBe('invalid_grant');
    expect(JSON.parse(await run(['idps', 'update', plain.id, '--no-map-subject-to-user', '--json'])).map_subject_to_user).toBe(false);
    const refused = await cli(['users', 'create', '--username', 'yan', '--identity', 'nosuch=1', '--config', configFile()], env);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('no identity provider named "nosuch"');
  });

  it('never takes a provider\'s own subject for a local user at userinfo, even when the strings are equal', async () => {
    await provider('namer', false);
    const zoe = JSON.parse(await run(['users', 'create', '--username', 'zed', '--claim', 'email=zed@example.com', '--json']));
    const openidClient = await createClient(server, { grant_types: [JWT_BEARER], scope: 'openid email' });
    const issued = await tokenRequest(
      server,
      { grant_type: JWT_BEARER, scope: 'openid email', assertion: await signAssertion(idp, { iss: 'https://namer.example', sub: zoe.id, aud: `${server.url}/oauth2/token`, iat: now(), exp: now() + 300, jti: randomUUID() }) },
      { authorization: basic(openidClient.client_id, openidClient.client_secret!) },
    );
    expect(issued.status).toBe(200);
    const userinfo = await fetch(`${server.url}/oauth2/userinfo`, { headers: { authorization: `Bearer ${issued.body.access_token}` } });
    expect(userinfo.status).toBe(401);
    expect(JSON.stringify(await userinfo.json())).not.toContain('zed@example.com');
  });

  it('decides at the grant whose namespace its subject is in: switching map_subject_to_user later changes no grant at userinfo', async () => {
    const flipper = await provider('flipper', false);
    const yves = JSON.parse(await run(['users', 'create', '--username', 'yves', '--claim', 'email=yves@example.com', '--identity', 'flipper=emp-9', '--json']));
    const rp = await createClient(server, { grant_types: [JWT_BEARER, 'refresh_token'], scope: 'openid email' });
    const grant = async (sub: string) => {
      const issued = await tokenRequest(
        server,
        { grant_type: JWT_BEARER, scope: 'openid email', assertion: await signAssertion(idp, { iss: 'https://flipper.example', sub, aud: `${server.url}/oauth2/token`, iat: now(), exp: now() + 300, jti: randomUUID() }) },
        { authorization: basic(rp.client_id, rp.client_secret!) },
      );
      expect(issued.status).toBe(200);
      return issued.body as { access_token: string; refresh_token: string };
    };
    const refresh = async (refreshToken: string) =>
      (await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: refreshToken }, { authorization: basic(rp.client_id, rp.client_secret!) })).body as { access_token: string };
    const userinfo = async (accessToken: string) => {
      const response = await fetch(`${server.url}/oauth2/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const notYves = { status: 401, body: { error: 'invalid_token', error_description: 'the access token is invalid, expired or revoked' } };

    // The provider's own subject, equal to yves's id while the mapping is off: the provider's namespace.
    const own = await grant(yves.id);
    expect(await userinfo(own.access_token)).toEqual(notYves);
    await run(['idps', 'update', flipper.id, '--map-subject-to-user']);
    expect(await userinfo(own.access_token)).toEqual(notYves);
    expect(await userinfo((await refresh(own.refresh_token)).access_token)).toEqual(notYves);

    // Mapped while the flag is on: yves, also after the flag is turned off again.
    const mapped = await grant('emp-9');
    expect(claimsOf(mapped.access_token).sub).toBe(yves.id);
    const released = { status: 200, body: { sub: yves.id, email: 'yves@example.com' } };
    expect(await userinfo(mapped.access_token)).toEqual(released);
    await run(['idps', 'update', flipper.id, '--no-map-subject-to-user']);
    expect(await userinfo(mapped.access_token)).toEqual(released);
    expect(await userinfo((await refresh(mapped.refresh_token)).access_token)).toEqual(released);
  });

  it('deleting a provider removes its links and revokes what it vouched for', async () => {
    const provider = await createProvider('gone', true);
    const user = JSON.parse(await run(['users', 'create', '--username', 'xena', '--identity', 'gone=x-1', '--json']));
    const issued = await exchange('https://gone.example', 'x-1');
    expect(issued.status).toBe(200);
    await run(['idps', 'delete', provider.id]);
    expect(JSON.parse(await run(['users', 'show', user.id, '--json'])).identities).toEqual([]);
    const refreshed = await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: issued.body.refresh_token as string }, { authorization: basic(client.client_id, client.client_secret!) });
    expect(refreshed.body.error).toBe('invalid_grant');
    const again = await createProvider('gone', true);
    expect(again.id).not.toBe(provider.id);
    expect((await exchange('https://gone.example', 'x-1')).body.error).toBe('invalid_grant');
  });

  it('keeps refusing a mistyped identity provider', async () => {
    const refused = await cli(['users', 'create', '--username', 'yan2', '--identity', 'nosuch=1', '--config', configFile()], env);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('no identity provider named "nosuch"');
  });
});
