import { ConsoleLogger, INestApplicationContext, LogLevel, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
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

/**
 * The application without a listening server: migrations applied (unless `[database] migrate =
 * false`), registries filled, so the CLI validates exactly as the server would; `run` runs in the
 * context of `tenant` (`--tenant`; the default tenant without it). Closed when
 * `run` ends and also when start-up fails, so an in-process run leaves no pool or timer behind.
 * With `features` (a read-only command: ReadOnlyModule), only those feature modules are booted
 * besides the configuration and the database; without, the whole application (AppModule).
 */
export async function withCliContext<T>(config: GrantryConfig, io: CliIO, run: (app: INestApplicationContext) => Promise<T>, tenant?: string, features?: () => Type[]): Promise<T> {
  // Required here, not above: a read-only command never loads the whole application's code.
  const root = features
    ? (require('./read-only.module') as typeof import('./read-only.module')).ReadOnlyModule.forFeatures(config, features())
    : (require('../app.module') as typeof import('../app.module')).AppModule.forRoot(config, 'cli');
  // An application rather than createApplicationContext: that one initialises inside the factory
  // and, when an init hook fails, never hands back the context that holds the open pool.
  const app = await NestFactory.create<NestFastifyApplication>(root, new FastifyAdapter(), {
    logger: new StderrLogger(io.stderr, Boolean(io.env.GRANTRY_DEBUG)),
    abortOnError: false,
  });
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
