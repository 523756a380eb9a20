/**
 * grantry/plugin/testing — boots grantry in-process with your plugin and a temporary SQLite
 * database, on a free loopback port, so a plugin's tests speak real HTTP to a real server:
 *
 *   const server = await startTestServer({ toml: { oauth: { custom_grant_type: [{ name, grant_handler: require.resolve('./index.js') }] } } });
 *   const client = await server.createClient({ grant_types: [name] });
 *   const { status, body } = await server.token({ grant_type: name, ... }, client);
 *   await server.close();
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../app.factory';
import { deepMerge } from '../common/deep-merge';
import type { ClientView } from '../clients/clients.service';
import { buildConfig } from '../config/config-loader';
import { ClientRegistrationService } from '../oauth/registration/client-registration.service';
import { freePort } from './free-port';

export interface TokenAnswer {
  status: number;
  body: Record<string, unknown>;
}

export interface PluginTestServer {
  /** The issuer, e.g. http://127.0.0.1:43121 */
  url: string;
  tokenEndpoint: string;
  /** Registers a client (defaults: client_secret_basic, client_name "test"); the answer carries client_secret. */
  createClient(metadata?: Record<string, unknown>): Promise<ClientView>;
  /** POSTs a form to the token endpoint, with Basic authentication when a client with a secret is given. */
  token(params: Record<string, string>, client?: ClientView, headers?: Record<string, string>): Promise<TokenAnswer>;
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

export async function startTestServer(options: TestServerOptions = {}): Promise<PluginTestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'grantry-plugin-test-'));
  const port = await freePort();
  const base = {
    server: { host: '127.0.0.1', port, base_url: `http://127.0.0.1:${port}` },
    database: { url: `sqlite:${join(dir, 'grantry.sqlite')}` },
    security: { master_key: randomBytes(32).toString('base64url') },
  };
  const config = buildConfig(deepMerge(base, options.toml ?? {}), { env: {}, configDir: options.configDir ?? process.cwd() });
  const app = await createApp(config, { logger: options.verbose ? undefined : ['fatal', 'error'] });
  await app.listen(port, '127.0.0.1');
  const url = config.server.base_url!;
  return {
    url,
    tokenEndpoint: `${url}/oauth2/token`,
    createClient: (metadata = {}) => app.get(ClientRegistrationService).create({ client_name: 'test', ...metadata }),
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
    async close() {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
