import { ConsoleLogger, INestApplicationContext, LogLevel, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { IssuerContext } from '../common/issuer-context';
import { GrantryConfig } from '../config/config.schema';
import type { CliIO } from './cli-io';
import { tenantContext } from './cli-tenant';

/**
 * Contexts whose messages repeat the failure the CLI reports itself in one line (`grantry: ...`):
 * TypeORM's connection retries and Nest's report of a failed start-up, both with stack traces.
 * Shown with GRANTRY_DEBUG.
 */
const REPEATS_THE_FAILURE = new Set(['TypeOrmModule', 'ExceptionHandler']);

/** Nest's console logger, but on the CLI's stderr: stdout carries the command's output (--json). */
class StderrLogger extends ConsoleLogger {
  constructor(
    private readonly stderr: CliIO['stderr'],
    private readonly showRepeats: boolean,
  ) {
    super({ logLevels: ['fatal', 'error', 'warn'] });
  }

  protected override printMessages(messages: unknown[], context = '', logLevel: LogLevel = 'log'): void {
    if (!this.showRepeats && REPEATS_THE_FAILURE.has(context)) return;
    for (const message of messages) {
      const level = logLevel.toUpperCase().padStart(7, ' ');
      this.stderr.write(this.formatMessage(logLevel, message, this.formatPid(process.pid), level, this.formatContext(context), this.updateAndGetTimestampDiff()));
    }
  }

  protected override printStackTrace(stack: string): void {
    if (stack) this.stderr.write(`${stack}\n`);
  }
}

type ContextOptions = { logger: StderrLogger; abortOnError: false };

/**
 * The application without a listening server: migrations applied (unless `[database] migrate =
 * false`), registries filled, so the CLI validates exactly as the server would; `run` runs in the
 * context of `tenant` (`--tenant`; the default tenant without it). Closed when
 * `run` ends and also when start-up fails, so an in-process run leaves no pool or timer behind.
 * With `features` (a read-only command), ReadOnlyModule: only those feature modules besides the
 * configuration and the database, in an application context; without, the whole application.
 */
export async function withCliContext<T>(config: GrantryConfig, io: CliIO, run: (app: INestApplicationContext) => Promise<T>, tenant?: string, features?: () => Type[]): Promise<T> {
  const options: ContextOptions = { logger: new StderrLogger(io.stderr, Boolean(io.env.GRANTRY_DEBUG)), abortOnError: false };
  const app = features ? await readOnlyContext(config, features(), options) : await applicationContext(config, options);
  let result: T;
  try {
    await app.init();
    // A command runs as one issuer's, as a request does: the tenant `--tenant` names, else the default one.
    const context = await tenantContext(app, tenant);
    result = await app.get(IssuerContext).run(context, () => run(app));
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
  await app.close();
  return result;
}

/**
 * The whole application, for the commands that write. An application rather than
 * createApplicationContext: that one initialises inside the factory and, when an init hook fails,
 * never hands back the context that holds the open pool. Required here, not at the top: a
 * read-only command loads neither the application's code nor Fastify.
 */
async function applicationContext(config: GrantryConfig, options: ContextOptions): Promise<INestApplicationContext> {
  const { AppModule } = require('../app.module') as typeof import('../app.module');
  const { FastifyAdapter } = require('@nestjs/platform-fastify') as typeof import('@nestjs/platform-fastify');
  return NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, 'cli'), new FastifyAdapter(), options);
}

/** ReadOnlyModule with `features`, initialised; when its start fails, what it opened is closed before the error goes on. */
async function readOnlyContext(config: GrantryConfig, features: Type[], options: ContextOptions): Promise<INestApplicationContext> {
  const { OpenedDatabase, ReadOnlyModule } = require('./read-only.module') as typeof import('./read-only.module');
  const opened = new OpenedDatabase();
  try {
    return await NestFactory.createApplicationContext(ReadOnlyModule.forFeatures(config, features, opened), options);
  } catch (error) {
    await opened.close().catch(() => undefined);
    throw error;
  }
}
