import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseUserInput } from '../src/users/user-input';
import { UsersService } from '../src/users/users.service';
import { startBuiltServer } from './support/built-server';
import { writeText } from './support/certificates';
import { grantryStart } from './support/cli';
import { basic, createClient, startServer, stopServer, tokenRequest } from './support/server';

const DEMO = 'urn:example:params:oauth:grant-type:demo';

/** A grant plugin as a third party writes it: plain CommonJS, no build step. */
const DEMO_GRANT = `
module.exports = class DemoGrant {
  constructor({ properties, services }) {
    this.properties = properties;
    this.OAuthError = services.OAuthError;
  }
  validate(request) {
    if (!request.param('user')) throw this.OAuthError.invalidRequest('user is required');
  }
  async handle({ client, params, properties }) {
    if (params.user === 'boom') throw new Error('database exploded with secret s3cr3t');
    if (params.user === 'slow') return new Promise(() => {});
    if (params.user === 'nobody') throw this.OAuthError.invalidGrant('unknown user');
    return { subject: params.user, scopes: ['demo'], claims: { greeting: properties.greeting }, response: { issued_by: 'demo-plugin' } };
  }
};
`;

describe('drop-in grant handler plugins', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'grantry-plugins-'));
    writeText(dir, 'demo-grant.js', DEMO_GRANT);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const pluginToml = (extra: Record<string, unknown> = {}) => ({
    oauth: { custom_grant_type: [{ name: DEMO, grant_handler: join(dir, 'demo-grant.js'), properties: { greeting: 'hello' }, ...extra }] },
    plugins: { timeout: 1 },
  });

  it('serves the plugin grant from TOML and lists it in discovery', async () => {
    const server = await startServer(pluginToml());
    try {
      const document = (await (await fetch(`${server.url}/.well-known/openid-configuration`)).json()) as { grant_types_supported: string[] };
      expect(document.grant_types_supported).toEqual(['client_credentials', 'authorization_code', 'urn:ietf:params:oauth:grant-type:jwt-bearer', 'refresh_token', DEMO]);
      const client = await createClient(server, { grant_types: [DEMO], scope: 'demo' });
      const auth = { authorization: basic(client.client_id, client.client_secret!) };
      const { status, body } = await tokenRequest(server, { grant_type: DEMO, user: 'alice' }, auth);
      expect(status).toBe(200);
      expect(body).toMatchObject({ token_type: 'Bearer', scope: 'demo', issued_by: 'demo-plugin' });
      const claims = JSON.parse(Buffer.from((body.access_token as string).split('.')[1], 'base64url').toString());
      expect(claims).toMatchObject({ sub: 'alice', client_id: client.client_id, greeting: 'hello' });

      expect((await tokenRequest(server, { grant_type: DEMO }, auth)).body).toEqual({ error: 'invalid_request', error_description: 'user is required' });
      expect((await tokenRequest(server, { grant_type: DEMO, user: 'nobody' }, auth)).body).toEqual({ error: 'invalid_grant', error_description: 'unknown user' });
    } finally {
      await server.close();
      await server.db.drop();
    }
  });

  it('contains a plugin that throws: 500 server_error with a correlation id, and the server keeps serving', async () => {
    const server = await startServer(pluginToml());
    try {
      const client = await createClient(server, { grant_types: [DEMO, 'client_credentials'], scope: 'demo' });
      const auth = { authorization: basic(client.client_id, client.client_secret!) };
      const failed = await tokenRequest(server, { grant_type: DEMO, user: 'boom' }, auth);
      expect(failed.status).toBe(500);
      expect(failed.body).toEqual({ error: 'server_error', error_description: 'the server failed to process the request', correlation_id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
      expect(JSON.stringify(failed.body)).not.toContain('s3cr3t');
      const slow = await tokenRequest(server, { grant_type: DEMO, user: 'slow' }, auth);
      expect(slow.status).toBe(500);
      expect((await tokenRequest(server, { grant_type: 'client_credentials' }, auth)).status).toBe(200);
      expect((await tokenRequest(server, { grant_type: DEMO, user: 'bob' }, auth)).status).toBe(200);
    } finally {
      await server.close();
      await server.db.drop();
    }
  });

  it('removes the grant when the TOML entry says enable = false', async () => {
    const server = await startServer(pluginToml({ enable: false }));
    try {
      const document = (await (await fetch(`${server.url}/.well-known/openid-configuration`)).json()) as { grant_types_supported: string[] };
      expect(document.grant_types_supported).not.toContain(DEMO);
    } finally {
      await server.close();
      await server.db.drop();
    }
  });

  it('replaces a built-in grant through [oauth.grant_type.<name>] grant_handler', async () => {
    writeText(dir, 'cc.js', `module.exports = class { handle({ client }) { return { subject: 'replaced:' + client.clientId, scopes: [] }; } };`);
    const server = await startServer({ oauth: { grant_type: { client_credentials: { grant_handler: join(dir, 'cc.js') } } } });
    try {
      const client = await createClient(server, { grant_types: ['client_credentials'] });
      const { body } = await tokenRequest(server, { grant_type: 'client_credentials' }, { authorization: basic(client.client_id, client.client_secret!) });
      expect(JSON.parse(Buffer.from((body.access_token as string).split('.')[1], 'base64url').toString()).sub).toBe(`replaced:${client.client_id}`);
    } finally {
      await server.close();
      await server.db.drop();
    }
  });

  describe('the token endpoint\'s policy applies to a plugin\'s decision', () => {
    const GREEDY = 'urn:example:greedy';
    /** Grants whatever the request says, asks the endpoint to record a jti as used, and claims its subject is a local user. */
    const GREEDY_GRANT = `
      module.exports = class Greedy {
        async handle({ params }) {
          return {
            subjectIsUser: true,
            subject: params.user,
            scopes: params.grant ? params.grant.split(' ') : [],
            audience: params.aud ? [params.aud] : undefined,
            consume: params.jti ? [{ issuer: 'greedy', jti: params.jti, expiresAt: Math.floor(Date.now() / 1000) + 60 }] : undefined,
          };
        }
      };`;
    let server: Awaited<ReturnType<typeof startServer>>;
    let auth: { authorization: string };
    beforeAll(async () => {
      writeText(dir, 'greedy.js', GREEDY_GRANT);
      server = await startServer({ oauth: { custom_grant_type: [{ name: GREEDY, grant_handler: join(dir, 'greedy.js') }] } });
      const client = await createClient(server, { grant_types: [GREEDY], scope: 'read' });
      auth = { authorization: basic(client.client_id, client.client_secret!) };
    });
    afterAll(() => stopServer(server));
    const ask = (params: Record<string, string>) => tokenRequest(server, { grant_type: GREEDY, user: 'alice', ...params }, auth);

    it.each([
      ['a scope the client is not registered for', { grant: 'read write' }, { error: 'invalid_scope', error_description: 'scope not allowed for this client: write (this client\'s registered scopes: read)' }],
      ['the reserved admin scope', { grant: 'admin' }, { error: 'invalid_scope', error_description: 'scope not allowed for this client: admin (this client\'s registered scopes: read)' }],
      ['a malformed scope token (RFC 6749 §3.3)', { grant: 'read "x"' }, { error: 'invalid_scope', error_description: "malformed scope token: '?'x?''" }],
      ['an audience the client may not address', { grant: 'read', aud: 'https://elsewhere.example' }, { error: 'invalid_target', error_description: 'audience not allowed for this client: https://elsewhere.example' }],
    ])('refuses %s', async (_, params, answer) => {
      const { status, body } = await ask(params);
      expect(status).toBe(400);
      expect(body).toEqual(answer);
    });

    it('hands the plugin copies: a frozen client without secrets, a request without client credentials', async () => {
      writeText(dir, 'nosy.js', `
        module.exports = class Nosy {
          constructor({ services }) { this.services = services; }
          validate(request) { this.validatorSaw = request.authorization !== undefined || request.param('client_secret') !== undefined; }
          async handle({ client, request, params, signal }) {
            let mutation = 'refused';
            try { client.scopes.add('admin'); mutation = 'allowed'; } catch {}
            try { client.audience.push('https://evil.example'); mutation = 'allowed'; } catch {}
            try { client.corsOrigins.add('https://evil.example'); mutation = 'allowed'; } catch {}
            const found = await this.services.clients.find(client.clientId);
            return {
              subject: 'nosy',
              scopes: [],
              claims: {
                mutation,
                secretFields: ['secretDigest', 'sealedSecret'].filter((f) => f in client || f in found),
                sawAuthorization: request.authorization !== undefined || 'authorization' in request.headers,
                sawSecret: 'client_secret' in params,
                validatorSawCredentials: this.validatorSaw,
                hasSignal: signal instanceof AbortSignal,
              },
            };
          }
        };`);
      const nosy = await startServer({ oauth: { custom_grant_type: [{ name: 'urn:example:nosy', grant_handler: join(dir, 'nosy.js') }] } });
      try {
        const client = await createClient(nosy, { grant_types: ['urn:example:nosy', 'client_credentials'], scope: 'read' });
        const viaBasic = await tokenRequest(nosy, { grant_type: 'urn:example:nosy' }, { authorization: basic(client.client_id, client.client_secret!) });
        const claims = JSON.parse(Buffer.from((viaBasic.body.access_token as string).split('.')[1], 'base64url').toString());
        expect(claims).toMatchObject({ mutation: 'refused', secretFields: [], sawAuthorization: false, sawSecret: false, validatorSawCredentials: false, hasSignal: true });
        // client_secret_post: the secret travels in the form, and still stays with the core.
        const poster = await createClient(nosy, { grant_types: ['urn:example:nosy'], token_endpoint_auth_method: 'client_secret_post' });
        const viaPost = await tokenRequest(nosy, { grant_type: 'urn:example:nosy', client_id: poster.client_id, client_secret: poster.client_secret! });
        expect(JSON.parse(Buffer.from((viaPost.body.access_token as string).split('.')[1], 'base64url').toString())).toMatchObject({ sawSecret: false, validatorSawCredentials: false });
        // What the core grants is unchanged.
        const plain = await tokenRequest(nosy, { grant_type: 'client_credentials' }, { authorization: basic(client.client_id, client.client_secret!) });
        expect(plain.body.scope).toBe('read');
      } finally {
        await nosy.close();
        await nosy.db.drop();
      }
    });

    it('cannot make its subject a local user: userinfo does not answer for a user id a plugin names', async () => {
      const user = await server.app.get(UsersService).create(parseUserInput({ username: 'victim', claims: { email: 'victim@example.com' } }, true));
      const rp = await createClient(server, { grant_types: [GREEDY], scope: 'openid email' });
      const issued = await tokenRequest(server, { grant_type: GREEDY, user: user.id, grant: 'openid email' }, { authorization: basic(rp.client_id, rp.client_secret!) });
      expect(issued.status).toBe(200);
      const userinfo = await fetch(`${server.url}/oauth2/userinfo`, { headers: { authorization: `Bearer ${issued.body.access_token}` } });
      expect({ status: userinfo.status, body: await userinfo.json() }).toEqual({ status: 401, body: { error: 'invalid_token', error_description: 'the access token is invalid, expired or revoked' } });
    });

    it('refuses the admin scope even to a client registered with it', async () => {
      const admin = await createClient(server, { grant_types: [GREEDY], scope: 'admin' });
      const { body } = await tokenRequest(server, { grant_type: GREEDY, user: admin.client_id, grant: 'admin' }, { authorization: basic(admin.client_id, admin.client_secret!) });
      expect(body).toEqual({ error: 'invalid_scope', error_description: 'the admin scope is granted only by client_credentials to a client acting for itself' });
    });

    it('records the jtis a plugin returns last: a refused request leaves them unused, a second use is refused', async () => {
      expect((await ask({ grant: 'write', jti: 'j-1' })).body.error).toBe('invalid_scope');
      expect((await ask({ grant: 'read', jti: 'j-1' })).status).toBe(200);
      expect((await ask({ grant: 'read', jti: 'j-1' })).body).toEqual({ error: 'invalid_grant', error_description: 'assertion jti has been used already' });
    });

    it('lets exactly one of 20 concurrent requests with one jti through', async () => {
      const results = await Promise.all(Array.from({ length: 20 }, () => ask({ grant: 'read', jti: 'j-race' })));
      expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    });
  });

  describe('start-up failures: non-zero exit and one line naming the file', () => {
    function start(toml: string) {
      const config = writeText(dir, `c-${Math.random()}.toml`, `[database]\nurl = "sqlite::memory:"\n[security]\nmaster_key = "${'A'.repeat(43)}"\n${toml}`);
      // A real process: plugin modules must load fresh, as at a real start (jest's module registry would cache them).
      return grantryStart(['--config', config], {}, dir);
    }
    const entry = (handler: string, name = DEMO) => `[[oauth.custom_grant_type]]\nname = "${name}"\ngrant_handler = "${handler}"\n`;

    it.each([
      ['a missing file', entry('./nope.js'), /grantry: .*nope\.js: no such file/],
      ['a syntax error', entry('./broken.js'), /grantry: .*broken\.js: cannot load: SyntaxError/],
      ['a default export that is not a class', entry('./not-a-class.js'), /grantry: .*not-a-class\.js: the default export \(export default \/ module\.exports\) must be a class, not an object/],
      ['a class without handle()', entry('./no-handle.js'), /grantry: .*no-handle\.js: a grant handler needs a handle\(context\) method/],
      ['a grant type that clashes with a built-in', entry('./demo-grant.js', 'client_credentials'), /grantry: two grant handlers serve grant_type client_credentials/],
      ['a plugin whose own grantType differs', entry('./typed.js'), /grantry: .*typed\.js: declares grantType urn:other but is configured for urn:example/],
    ])('%s', (_, toml, message) => {
      writeText(dir, 'broken.js', 'module.exports = class { handle( { ');
      writeText(dir, 'not-a-class.js', 'module.exports = { handle() {} };');
      writeText(dir, 'no-handle.js', 'module.exports = class {};');
      writeText(dir, 'typed.js', "module.exports = class { grantType = 'urn:other'; handle() {} };");
      const { status, stderr } = start(toml);
      expect(status).toBe(1);
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expect(stderr).toMatch(message);
    });
  });

  it('loads an ES module plugin in the built server', async () => {
    writeText(dir, 'esm-grant.mjs', `export default class EsmGrant { async handle({ params }) { return { subject: params.user ?? 'esm', scopes: [] }; } }`);
    // Port 0: the server says where it listens (no other process can take the port in between).
    const config = writeText(dir, 'esm.toml', `[server]\nport = 0\n[database]\nurl = "sqlite::memory:"\n[security]\nmaster_key = "${'A'.repeat(43)}"\n[[oauth.custom_grant_type]]\nname = "urn:example:esm"\ngrant_handler = "./esm-grant.mjs"\n`);
    const server = await startBuiltServer({ args: ['--config', config], cwd: dir });
    try {
      const document = (await (await fetch(`${server.url}/.well-known/openid-configuration`)).json()) as { grant_types_supported?: string[] };
      expect(document.grant_types_supported).toContain('urn:example:esm');
    } finally {
      await server.stop();
    }
  }, 180_000);
});

describe('drop-in client authenticator plugins', () => {
  it('loads an [[event_listener]] whose name is a module, and authenticates with it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'grantry-auth-plugin-'));
    writeText(dir, 'header-auth.js', `
      module.exports = class HeaderAuth {
        method = 'x_demo_header';
        constructor({ properties, services }) { this.header = properties.header; this.services = services; }
        canAuthenticate(request) { return typeof request.headers[this.header] === 'string'; }
        async authenticate(request) {
          const client = await this.services.clients.find(request.headers[this.header]);
          if (!client) throw this.services.OAuthError.invalidClient(undefined, { detail: 'unknown client' });
          return { client };
        }
      };`);
    const server = await startServer({ event_listener: [{ name: join(dir, 'header-auth.js'), order: '50', properties: { header: 'x-demo-client' } }] });
    try {
      const document = (await (await fetch(`${server.url}/.well-known/openid-configuration`)).json()) as { token_endpoint_auth_methods_supported: string[] };
      expect(document.token_endpoint_auth_methods_supported[0]).toBe('x_demo_header');
      const client = await createClient(server, { grant_types: ['client_credentials'], token_endpoint_auth_method: 'x_demo_header' });
      expect((await tokenRequest(server, { grant_type: 'client_credentials' }, { 'x-demo-client': client.client_id })).status).toBe(200);
      expect((await tokenRequest(server, { grant_type: 'client_credentials' }, { 'x-demo-client': 'nobody' })).status).toBe(401);
    } finally {
      await server.close();
      await server.db.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails start-up, naming both, when a plugin registers a built-in method (RFC 8705 self_signed_tls_client_auth)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'grantry-auth-plugin-'));
    const module = writeText(dir, 'own-mtls.js', `
      module.exports = class OwnMtls {
        method = 'self_signed_tls_client_auth';
        canAuthenticate() { return false; }
        async authenticate() { throw new Error('never'); }
      };`);
    try {
      await expect(startServer({ event_listener: [{ name: module, order: '150' }] })).rejects.toThrow(
        `the client authenticator ${module} registers self_signed_tls_client_auth, the method of the built-in self_signed_tls_client_auth: give the plugin's method another name`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
