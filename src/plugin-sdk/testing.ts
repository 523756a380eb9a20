/**
 * grantry/plugin/testing — boots grantry in-process with your plugin and a temporary SQLite
 * database, on a loopback port the system picks (port 0), so a plugin's tests speak real HTTP
 * to a real server. Close it in `afterAll`/`finally`, so a failing test leaves nothing running:
 *
 *   const server = await startTestServer({ toml: { oauth: { custom_grant_type: [{ name, grant_handler: require.resolve('./index.js') }] } } });
 *   try {
 *     const client = await server.createClient({ grant_types: [name] });
 *     const { status, body } = await server.token({ grant_type: name, ... }, client);
 *     // The same in a tenant of its own: its clients, its issuer, its properties (`context.tenant`).
 *     const tenant = await server.createTenant('wso2.com');
 *     const inTenant = await tenant.token({ grant_type: name, ... }, await tenant.createClient({ grant_types: [name] }));
 *   } finally {
 *     await server.close();
 *   }
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp, listen } from '../app.factory';
import { actors } from '../audit/audit-event';
import { deepMerge } from '../common/deep-merge';
import type { ClientView } from '../clients/clients.service';
import { buildConfig } from '../config/config-loader';
import { IssuerContext } from '../common/issuer-context';
import type { RequestContext } from '../common/request-context';
import { TenantDirectory } from '../common/tenant-directory';
import { ClientRegistrationService } from '../oauth/registration/client-registration.service';
import { parseTenantInput } from '../tenants/tenant-input';
import { TenantsService } from '../tenants/tenants.service';

/** Who the clients a plugin's test creates are by, in the audit trail. */
const PLUGIN_TEST_ACTOR = actors.operator('plugin-testing');

export interface TokenAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** One issuer of the test server: the default tenant (the server itself) or a tenant made by `createTenant`. */
export interface PluginTestIssuer {
  /** The issuer, e.g. http://127.0.0.1:43121 (the port the system picked), or that + `/t/{domain}` for a tenant. */
  url: string;
  tokenEndpoint: string;
  /** Registers a client of this issuer's tenant (defaults: client_secret_basic, client_name "test"); the answer carries client_secret. */
  createClient(metadata?: Record<string, unknown>): Promise<ClientView>;
  /** POSTs a form to this issuer's token endpoint, with Basic authentication when a client with a secret is given. */
  token(params: Record<string, string>, client?: ClientView, headers?: Record<string, string>): Promise<TokenAnswer>;
}

export interface PluginTestTenant extends PluginTestIssuer {
  /** The tenant domain; requests for it go to `/t/{domain}/...`. */
  domain: string;
}

export interface TestTenantOptions {
  display_name?: string;
  /**
   * The tenant's overrides of the deployment file, as the admin API takes them (`settings` of
   * `POST /api/admin/v1/tenants`), e.g. a plugin's properties for this tenant:
   * `{ event_listener: [{ id: 'my_authenticator', properties: { Audience: 'x' } }] }`.
   */
  settings?: Record<string, unknown>;
}

export interface PluginTestServer extends PluginTestIssuer {
  /** Creates a tenant (with its own signing key, clients and issuer `<url>/t/{domain}`), for requests in it. */
  createTenant(domain: string, options?: TestTenantOptions): Promise<PluginTestTenant>;
  /** Stops the server and removes its database; safe to call twice. */
  close(): Promise<void>;
}

export interface TestServerOptions {
  /** Deployment-file content as an object, merged over the test defaults (server, database, keys). */
  toml?: Record<string, unknown>;
  /** Directory relative module paths resolve from (default: the working directory). */
  configDir?: string;
  /** Show grantry's log (default: errors only). */
  verbose?: boolean;
}

/** Starts grantry; a start that fails (a plugin that does not load) releases everything before it throws. */
export async function startTestServer(options: TestServerOptions = {}): Promise<PluginTestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'grantry-plugin-test-'));
  let app: NestFastifyApplication | undefined;
  let url: string;
  try {
    const base = {
      server: { host: '127.0.0.1', port: 0 },
      database: { url: `sqlite:${join(dir, 'grantry.sqlite')}` },
      security: { master_key: randomBytes(32).toString('base64url') },
    };
    const config = buildConfig(deepMerge(base, options.toml ?? {}), { env: {}, configDir: options.configDir ?? process.cwd() });
    app = await createApp(config, { logger: options.verbose ? undefined : ['fatal', 'error'] });
    url = await listen(app, config.server.port, config.server.host);
  } catch (error) {
    await app?.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const running = app;
  const issuers = running.get(IssuerContext);
  let closed: Promise<void> | undefined;
  return {
    ...issuer(running, url, issuers.default),
    async createTenant(domain, options = {}) {
      await running.get(TenantsService).create(parseTenantInput({ domain, ...options }), PLUGIN_TEST_ACTOR);
      const state = await running.get(TenantDirectory).find(domain);
      if (!state) throw new Error(`tenant ${domain} was created but is not found`);
      return { domain, ...issuer(running, `${url}/t/${domain}`, await issuers.forTenant(state)) };
    },
    close: () =>
      (closed ??= (async () => {
        try {
          await running.close();
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      })()),
  };
}

/** The issuer at `url` whose tenant's request context is `context`: clients are created in it, tokens asked of it. */
function issuer(app: NestFastifyApplication, url: string, context: RequestContext): PluginTestIssuer {
  const issuers = app.get(IssuerContext);
  return {
    url,
    tokenEndpoint: `${url}/oauth2/token`,
    createClient: (metadata = {}) => issuers.run(context, () => app.get(ClientRegistrationService).create({ client_name: 'test', ...metadata }, PLUGIN_TEST_ACTOR)),
    async token(params, client, headers = {}) {
      const authorization: Record<string, string> = client?.client_secret
        ? { authorization: `Basic ${Buffer.from(`${encodeURIComponent(client.client_id)}:${encodeURIComponent(client.client_secret)}`).toString('base64')}` }
        : {};
      const response = await fetch(`${url}/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...authorization, ...headers },
        body: new URLSearchParams(params),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    },
  };
}
