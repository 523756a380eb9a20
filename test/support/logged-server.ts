import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp, listen } from '../../src/app.factory';
import { deepMerge } from '../../src/common/deep-merge';
import { buildConfig } from '../../src/config/config-loader';
import { freshDatabase, TestDatabase } from './database';
import { track } from './resources';
import type { TestServer } from './server';

/** A server whose JSON log lines are collected (the support server keeps tests quiet instead). */
export interface LoggedServer extends TestServer {
  lines: string[];
  /** The parsed lines so far. */
  records(): Record<string, unknown>[];
}

export async function startLogged(toml: Record<string, unknown> = {}): Promise<LoggedServer> {
  const db: TestDatabase = freshDatabase();
  const lines: string[] = [];
  let app: NestFastifyApplication | undefined;
  try {
    await db.prepare?.();
    const base = {
      server: { host: '127.0.0.1', port: 0 },
      database: { url: db.url, ...(db.schema ? { schema: db.schema } : {}) },
      security: { master_key: db.masterKey },
      logging: { format: 'json', level: 'debug' },
    };
    const config = buildConfig(deepMerge(base, toml), { env: {} });
    app = await createApp(config, { logStream: { write: (line: string) => void lines.push(line) } });
    const url = await listen(app, 0, '127.0.0.1');
    const started = app;
    return {
      url, app, config, db, lines,
      records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
      close: track(`server ${url}`, () => started.close()),
    };
  } catch (error) {
    await app?.close().catch(() => undefined);
    await db.drop().catch(() => undefined);
    throw error;
  }
}

export async function stop(server: LoggedServer | undefined): Promise<void> {
  try {
    await server?.close();
  } finally {
    await server?.db.drop();
  }
}

