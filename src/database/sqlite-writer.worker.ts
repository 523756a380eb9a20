/**
 * The SQLite writer thread (see SqliteWriterThread): its own connection to the database file
 * commits the batches the application posts, so the commit's fsync waits here, not on the event
 * loop. Errors cross the thread boundary as their name, message and SQLite code.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { SqliteBatch, SqliteBatchAborted, SqliteDatabase, SqliteOutcome, SqliteStatement } from './sqlite-batch';

// better-sqlite3 ships no type declarations; this is the part of its constructor used here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Database = require('better-sqlite3') as new (file: string) => SqliteDatabase & { pragma(source: string): unknown };

export interface WriterThreadOptions {
  file: string;
  /** Pragmas of the application's connection, repeated on this one (synchronous, busy_timeout, foreign_keys). */
  pragmas: string[];
}

export interface BatchRequest {
  id: number;
  batch: SqliteStatement[][];
}

export type SerializedError = { name: string; message: string; code?: string };
export type WireOutcome = { ok: true; changes: number[] } | { refused: number } | { error: SerializedError };
export type BatchReply = { id: number; outcomes: WireOutcome[] } | { id: number; aborted: SerializedError };

export function serializeError(error: unknown): SerializedError {
  const { name = 'Error', message = String(error), code } = (error ?? {}) as { name?: string; message?: string; code?: unknown };
  return { name, message, ...(typeof code === 'string' ? { code } : {}) };
}

function toWire(outcome: SqliteOutcome): WireOutcome {
  return 'error' in outcome ? { error: serializeError(outcome.error) } : outcome;
}

if (parentPort) {
  const port = parentPort;
  const { file, pragmas } = workerData as WriterThreadOptions;
  const db = new Database(file);
  for (const pragma of pragmas) db.pragma(pragma);
  const batches = new SqliteBatch(db);
  port.on('message', ({ id, batch }: BatchRequest) => {
    let reply: BatchReply;
    try {
      reply = { id, outcomes: batches.commit(batch).map(toWire) };
    } catch (error) {
      reply = { id, aborted: serializeError(error instanceof SqliteBatchAborted ? error.reason : error) };
    }
    port.postMessage(reply);
  });
}
