import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { DestinationStream } from 'pino';
import { createApp, listen } from '../../src/app.factory';
import { deepMerge } from '../../src/common/deep-merge';
import { freePort } from '../../src/plugin-sdk/free-port';
import { buildConfig } from '../../src/config/config-loader';
import type { GrantryConfig } from '../../src/config/config.schema';
import { ClientRegistrationService } from '../../src/oauth/registration/client-registration.service';
import type { ClientView } from '../../src/clients/clients.service';
import { actors } from '../../src/audit/audit-event';
import { freshDatabase, TestDatabase } from './database';
import { track } from './resources';

/** Deployment-file content as an object. */
type Toml = Record<string, unknown>;

export interface TestServer {
  /**
   * Where it listens, http://127.0.0.1:<port>; also the issuer, unless the test set `[server]
   * base_url` (else unset: read the issuer here, not from `config.server.base_url`).
   */
  url: string;
  app: NestFastifyApplication;
  config: GrantryConfig;
  db: TestDatabase;
  /** Closes the application (safe to call twice); the database stays for `db.drop()`. */
  close(): Promise<void>;
}

/** Only for what needs a port before anything listens (a spawned `grantry start`); servers here listen on 0. */
export { freePort };

export interface ServerOptions {
  /** Where the log's JSON lines go, at `[logging] level` (else only errors are logged, by Nest's logger). */
  logStream?: DestinationStream;
}

/**
 * Starts the real application on 127.0.0.1, port 0, against `db` (a fresh database when not
 * given); the issuer is the address it listens on. `toml` is merged over the test defaults, as
 * a deployment file would be. A failed start releases the application and, when this call
 * created it, the database, then rethrows.
 */
export async function startServer(toml: Toml = {}, db?: TestDatabase, options: ServerOptions = {}): Promise<TestServer> {
  const database = db ?? freshDatabase();
  let app: NestFastifyApplication | undefined;
  try {
    await database.prepare?.();
    const base: Toml = {
      server: { host: '127.0.0.1', port: 0 },
      database: { url: database.url, ...(database.schema ? { schema: database.schema } : {}) },
      security: { master_key: database.masterKey },
    };
    const config = buildConfig(deepMerge(base, toml), { env: {} });
    const logger = options.logStream || process.env.GRANTRY_TEST_LOGS ? undefined : (['fatal', 'error'] as const);
    app = await createApp(config, { logger: logger && [...logger], logStream: options.logStream });
    const url = await listen(app, config.server.port, config.server.host);
    const started = app;
    return { url, app, config, db: database, close: track(`server ${url}`, () => started.close()) };
  } catch (error) {
    await app?.close().catch(() => undefined);
    if (!db) await database.drop().catch(() => undefined);
    throw error;
  }
}

/**
 * Closes a server and drops its database — also when closing throws, and when the server never
 * started (`afterAll` after a failed `beforeAll`).
 */
export async function stopServer(server: TestServer | undefined): Promise<void> {
  try {
    await server?.close();
  } finally {
    await server?.db.drop();
  }
}

/** Who a test's in-process changes are by, in the audit trail. */
export const TEST_ACTOR = actors.operator('test');

/** Registers a client in-process, through the same service the CLI and admin API use. */
export function createClient(server: TestServer, metadata: Record<string, unknown>): Promise<ClientView> {
  return server.app.get(ClientRegistrationService).create({ client_name: 'test client', ...metadata }, TEST_ACTOR);
}

export function basic(clientId: string, secret: string): string {
  const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(secret)}`).toString('base64')}`;
}

/** POST a form to the token endpoint. */
export async function tokenRequest(
  server: TestServer,
  params: Record<string, string | string[]>,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) for (const item of ([] as string[]).concat(value)) form.append(name, item);
  const response = await fetch(`${server.url}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: form,
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
}

/**
 * A client_credentials access token with scope admin, as the README's bootstrap gets one;
 * `superAdmin`: of a super-admin (`grantry clients create ... --super-admin`), who also administers tenants.
 */
export async function adminToken(server: TestServer, { superAdmin = false }: { superAdmin?: boolean } = {}): Promise<string> {
  const admin = await createClient(server, { client_name: 'admin', grant_types: ['client_credentials'], scope: 'admin', ...(superAdmin ? { super_admin: true } : {}) });
  const { body } = await tokenRequest(server, { grant_type: 'client_credentials', scope: 'admin' }, { authorization: basic(admin.client_id, admin.client_secret!) });
  return body.access_token as string;
}
