import 'reflect-metadata';
import { LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { DestinationStream } from 'pino';
import { AppModule } from './app.module';
import type { AddressInfo } from 'node:net';
import { Server as TlsServer } from 'node:tls';
import { ConnectionPolicy } from './common/connection/connection-facts';
import { connectionSettings, httpsOptions } from './common/connection/tls-listener';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { installCorsPreflight } from './common/cors/cors-preflight';
import { installPostOnly } from './common/post-only-endpoints';
import { installRequestContext, tenantPathRewriter } from './common/request-context.hook';
import { IssuerContext } from './common/issuer-context';
import { GrantryConfig } from './config/config.schema';
import { stopGracefullyOnSignals } from './observability/graceful-shutdown';
import { createLog, GRANTRY_LOG, GrantryLog, levelOfNestLevels, PinoNestLogger } from './observability/log';
import { MetricsListener } from './observability/metrics-listener';
import { MetricsService } from './observability/metrics.service';
import { REQUEST_FACTS } from './observability/request-facts';
import { RequestObserver } from './observability/request-observer';
import { StartupSummary } from './observability/startup-summary';
import { RegistrationBodyHook } from './oauth/registration/registration-body.hook';
import { IntrospectionRoute } from './oauth/introspection/introspection.route';
import { TokenRoute } from './oauth/token/token.route';

export interface CreateAppOptions {
  /** Nest's levels to log instead of `[logging] level` (tests: errors only); false: nothing. */
  logger?: LogLevel[] | false;
  /** Where log lines go instead of stdout (tests read them). */
  logStream?: DestinationStream;
  /** Nest's own SIGTERM/SIGINT hooks (default); the server installs its graceful stop instead (startServer). */
  shutdownHooks?: boolean;
}

/** The HTTP application, initialised but not listening (tests call `listen(0)`). */
export async function createApp(config: GrantryConfig, options: CreateAppOptions = {}): Promise<NestFastifyApplication> {
  const log = createLog(config.logging, {
    level: options.logger === undefined ? undefined : levelOfNestLevels(options.logger),
    stream: options.logStream,
  });
  // skipMiddie: grantry uses no Express-style middleware, so Nest's per-request middie hook is pure cost.
  // rewriteUrl: a tenant's `/t/{domain}` prefix is taken off before routing (request-context.hook.ts).
  // No Fastify trustProxy: forwarding headers are read in one place, only from [server] trusted_proxies (ConnectionPolicy).
  // Read before Nest starts: a missing certificate file stops start-up with nothing to release.
  const https = httpsOptions(config.server.tls, config.configDir ?? process.cwd());
  const connections = new ConnectionPolicy(connectionSettings(config.server, config.configDir ?? process.cwd()));
  const adapter = new FastifyAdapter({
    bodyLimit: config.server.body_limit,
    skipMiddie: true,
    rewriteUrl: tenantPathRewriter,
    ...(https ? { https } : {}),
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, 'server', log), adapter, {
    logger: new PinoNestLogger(log),
    abortOnError: false,
  });
  // One instance: its outage log counts a burst once, whichever route met it.
  const errors = new AllExceptionsFilter();
  app.useGlobalFilters(errors);
  if (options.shutdownHooks !== false) app.enableShutdownHooks();
  try {
    const fastify = app.getHttpAdapter().getInstance();
    // First of all: the client address, scheme and certificate, and untrusted forwarding headers dropped.
    connections.install(fastify);
    // Then: every route, the raw token route included, runs in its request's context.
    installRequestContext(fastify, app.get(IssuerContext));
    installObservability(app);
    // The 405 of other methods on the POST-only endpoints, whichever router serves their POST; before
    // the registration body hook, which attaches to the routes added after it (a 405 reads no body).
    installPostOnly(fastify);
    // Route-scoped hooks attach as Nest registers the routes, in app.init().
    app.get(RegistrationBodyHook).install(fastify);
    app.get(TokenRoute).install(fastify, errors);
    app.get(IntrospectionRoute).install(fastify, errors);
    // CORS preflight of every route, the raw ones included (a Nest-level CORS would miss them).
    installCorsPreflight(fastify);
    await app.init();
  } catch (error) {
    // Release the database pool and timers, so a failed start leaves nothing running.
    await app.close().catch(() => undefined);
    throw error;
  }
  return app;
}

/** The request hook (log line, latency histogram) and GET /metrics on the main port, before Nest adds its routes. */
function installObservability(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  // Declared once, so every request object has the same shape (the token endpoint fills it).
  fastify.decorateRequest(REQUEST_FACTS, null);
  const observer = app.get(RequestObserver);
  if (observer.active) {
    fastify.addHook('onResponse', (request, reply, done) => {
      observer.onResponse(request, reply);
      done();
    });
  }
  const metrics = app.get(MetricsService);
  metrics.collectProcessMetrics();
  if (app.get(MetricsListener).onMainPort) {
    fastify.get('/metrics', async (_request, reply) => {
      const { contentType, body } = await metrics.exposition();
      return reply.header('content-type', contentType).header('cache-control', 'no-store').send(body);
    });
  }
}

/**
 * Listens on `host:port` (0: any free port) and returns the server's URL; an issuer that follows
 * the listening address (no `base_url`) is bound to it here. A separate `[metrics] port`
 * listener starts beside it.
 */
export async function listen(app: NestFastifyApplication, port: number, host: string): Promise<string> {
  await app.listen(port, host);
  const address = app.getHttpServer().address() as AddressInfo;
  const scheme = app.getHttpServer() instanceof TlsServer ? 'https' : 'http';
  const url = `${scheme}://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  app.get(IssuerContext).bindListeningAddress(url);
  await app.get(MetricsListener).start(host);
  return url;
}

/**
 * The server as `grantry start` and `npm start` run it: listening, and stopping gracefully on
 * SIGTERM/SIGINT within `[server] shutdown_grace` (observability/graceful-shutdown.ts).
 */
export async function startServer(config: GrantryConfig): Promise<NestFastifyApplication> {
  const app = await createApp(config, { shutdownHooks: false });
  let url: string;
  try {
    url = await listen(app, config.server.port, config.server.host);
  } catch (error) {
    // A port in use: release the pool and timers, as a failed init does.
    await app.close().catch(() => undefined);
    throw error;
  }
  app.get(StartupSummary).write(url, app.get(IssuerContext).issuer, app.get(MetricsListener).url);
  const removeSignalListeners = stopGracefullyOnSignals(app, config.server.shutdown_grace, app.get<GrantryLog>(GRANTRY_LOG));
  // Closed another way (the CLI's abort signal, a test): the listeners go with it.
  app.getHttpServer().once('close', removeSignalListeners);
  return app;
}
