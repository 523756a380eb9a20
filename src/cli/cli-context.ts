import { ConsoleLogger, INestApplicationContext, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../app.module';
import { GrantryConfig } from '../config/config.schema';

/** Nest's console logger, but on stderr: stdout carries the command's output (--json). */
class StderrLogger extends ConsoleLogger {
  protected override printMessages(messages: unknown[], context?: string, logLevel?: LogLevel): void {
    super.printMessages(messages, context, logLevel, 'stderr');
  }
}

/**
 * The application without HTTP: migrations applied (unless `[database] migrate = false`),
 * registries filled, so the CLI validates exactly as the server would.
 */
export async function withCliContext<T>(config: GrantryConfig, run: (app: INestApplicationContext) => Promise<T>): Promise<T> {
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(config, 'cli'), {
    logger: new StderrLogger({ logLevels: ['fatal', 'error', 'warn'] }),
    abortOnError: false,
  });
  try {
    return await run(app);
  } finally {
    await app.close();
  }
}
