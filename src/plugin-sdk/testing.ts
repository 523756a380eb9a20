/**
 * grantry/plugin/testing — boots grantry in-process with your plugin and a temporary SQLite
 * database, on a loopback port the system picks (port 0), so a plugin's tests speak real HTTP
 * to a real server. Close it in `afterAll`/`finally`, so a failing test leaves nothing running:
 *
 *   const server = await startTestServer({ toml: { oauth: { custom_grant_type: [{ name, grant_handler: require.resolve('./index.js') }] } } });
 *   try {
 *     const client = await server.createClient({ grant_types: [name] });
 *     const { status, body } = await server.token({ grant_type: name, ... }, client);
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
import { ClientRegistrationService } from '../oauth/registration/client-registration.service';

/** Who the clients a plugin's test creates are by, in the audit trail. */
const PLUGIN_TEST_ACTOR = actors.operator('plugin-testing');

export interface TokenAnswer {
  status: number;
  body: Record<string, unknown>;
}

export interface PluginTestServer {
  /** The issuer, e.g. http://127.0.0.1:43121 (the port the system picked). */
  url: string;
  tokenEndpoint: string;
  /** Registers a client (defaults: client_secret_basic, client_name "test"); the answer carries client_secret. */
  createClient(metadata?: Record<string, unknown>): Promise<ClientView>;
  /** POSTs a form to the token endpoint, with Basic authentication when a client with a secret is given. */
  token(params: Record<string, string>, client?: ClientView, headers?: Record<string, string>): Promise<TokenAnswer>;
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
  let closed: Promise<void> | undefined;
  return {
    url,
    tokenEndpoint: `${url}/oauth2/token`,
    createClient: (metadata = {}) => running.get(ClientRegistrationService).create({ client_name: 'test', ...metadata }, PLUGIN_TEST_ACTOR),
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
