import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { SqliteOutcome, SqliteStatement } from './sqlite-batch';
import type { SqliteBatchRunner } from './sqlite-group-commit';
import type { BatchReply, BatchRequest, SerializedError, WriterThreadOptions } from './sqlite-writer.worker';

/**
 * Commits batches on a connection of its own in a worker thread. With `synchronous = FULL` each
 * commit waits for an fsync; on the event loop that wait stopped every request for its length,
 * here it stops none. WAL lets the application's connection read meanwhile, and a commit's writes
 * are visible to it once the batch's promise resolves. The thread keeps the process alive only
 * while a batch is in flight.
 */
export class SqliteWriterThread implements SqliteBatchRunner {
  private worker?: Worker;
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve(outcomes: SqliteOutcome[]): void; reject(error: Error): void }>();

  constructor(private readonly options: WriterThreadOptions) {}

  /** The compiled worker; from the TypeScript sources (ts-jest), the build's copy of it. */
  static script(): string | undefined {
    const compiled = join(__dirname, 'sqlite-writer.worker.js');
    const built = resolve(__dirname, '../../dist/database/sqlite-writer.worker.js');
    return [compiled, built].find((file) => existsSync(file));
  }

  run(batch: SqliteStatement[][]): Promise<SqliteOutcome[]> {
    const worker = (this.worker ??= this.start());
    const id = ++this.nextId;
    if (this.waiting.size === 0) worker.ref();
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      worker.postMessage({ id, batch } satisfies BatchRequest);
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
  }

  private start(): Worker {
    const script = SqliteWriterThread.script();
    if (!script) throw new Error('the SQLite writer thread is not built (npm run build)');
    const worker = new Worker(script, { workerData: this.options });
    worker.unref();
    worker.on('message', (reply: BatchReply) => this.settle(reply));
    // A thread that died takes its batches with it: they fail, the next commit starts a new thread.
    const fail = (error: Error) => {
      if (this.worker === worker) this.worker = undefined;
      for (const { reject } of this.waiting.values()) reject(error);
      this.waiting.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the SQLite writer thread exited (code ${code})`)));
    return worker;
  }

  private settle(reply: BatchReply): void {
    const waiter = this.waiting.get(reply.id);
    if (!waiter) return;
    this.waiting.delete(reply.id);
    if (this.waiting.size === 0) this.worker?.unref();
    if ('aborted' in reply) waiter.reject(toError(reply.aborted));
    else waiter.resolve(reply.outcomes.map((outcome) => ('error' in outcome ? { error: toError(outcome.error) } : outcome)));
  }
}

/** An error as the driver raised it in the thread: its message and SQLite code (what callers test). */
function toError({ name, message, code }: SerializedError): Error {
  const error = new Error(message) as Error & { code?: string };
  error.name = name;
  if (code !== undefined) error.code = code;
  return error;
}
