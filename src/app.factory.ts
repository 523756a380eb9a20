import 'reflect-metadata';
import { Logger, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module';
import type { AddressInfo } from 'node:net';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { IssuerContext } from './common/issuer-context';
import { GrantryConfig } from './config/config.schema';

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

/** Nest log levels for `[logging] level` (info is Nest's "log"). */
export function logLevels(level: GrantryConfig['logging']['level']): LogLevel[] {
  const index = { error: 1, warn: 2, info: 3, debug: 4, verbose: 5 }[level];
  return LEVELS.slice(0, index + 1);
}

/** The HTTP application, initialised but not listening (tests call `listen(0)`). */
export async function createApp(config: GrantryConfig, options: { logger?: LogLevel[] | false } = {}): Promise<NestFastifyApplication> {
  // skipMiddie: grantry uses no Express-style middleware, so Nest's per-request middie hook is pure cost.
  const adapter = new FastifyAdapter({ bodyLimit: config.server.body_limit, trustProxy: config.server.trust_proxy, skipMiddie: true });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, 'server'), adapter, {
    logger: options.logger ?? logLevels(config.logging.level),
    abortOnError: false,
  });
  app.useGlobalFilters(new AllExceptionsFilter());
  app.enableShutdownHooks();
  try {
    await app.init();
  } catch (error) {
    // Release the database pool and timers, so a failed start leaves nothing running.
    await app.close().catch(() => undefined);
    throw error;
  }
  return app;
}

/**
 * Listens on `host:port` (0: any free port) and returns the server's URL; an issuer that follows
 * the listening address (no `base_url`) is bound to it here.
 */
export async function listen(app: NestFastifyApplication, port: number, host: string): Promise<string> {
  await app.listen(port, host);
  const address = app.getHttpServer().address() as AddressInfo;
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  app.get(IssuerContext).bindListeningAddress(url);
  return url;
}

export async function startServer(config: GrantryConfig): Promise<NestFastifyApplication> {
  const app = await createApp(config);
  let url: string;
  try {
    url = await listen(app, config.server.port, config.server.host);
  } catch (error) {
    // A port in use: release the pool and timers, as a failed init does.
    await app.close().catch(() => undefined);
    throw error;
  }
  new Logger('grantry').log(`listening on ${url}, issuer ${app.get(IssuerContext).issuer}`);
  return app;
}
