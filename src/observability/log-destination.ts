import type { DestinationStream } from 'pino';

/** What the lines are handed to: pino's sonic-boom destination in Buffer mode. */
export interface ByteSink {
  write(chunk: Buffer): unknown;
  flushSync(): void;
}

/** Lines are handed over once this much has gathered (one threadpool write per ~100 requests). */
const BATCH_BYTES = 32 * 1024;
/** Room for a batch and the line that completes it; a UTF-8 byte count is at most 3 per UTF-16 unit. */
const CHUNK_BYTES = 2 * BATCH_BYTES;

/**
 * The JSON-lines destination of the log: each line is encoded straight into one chunk buffer, and
 * the chunk is handed to the sink (which writes it in the threadpool) when 32 KiB have gathered,
 * at least every second, and synchronously at shutdown and exit.
 *
 * Encoding each line into a Buffer of its own, which the sink then queues, cost a Buffer
 * allocation and the sink's bookkeeping per line — about 1.5 % of the event loop under load.
 */
export class BatchedLineDestination implements DestinationStream {
  private chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  private used = 0;
  constructor(private readonly sink: ByteSink, flushEveryMs = 1000) {
    setInterval(() => this.handOver(), flushEveryMs).unref();
    flushAtExit(this);
  }

  write(line: string): void {
    if (line.length * 3 > CHUNK_BYTES - this.used) {
      this.handOver();
      if (line.length * 3 > CHUNK_BYTES) {
        this.sink.write(Buffer.from(line, 'utf8'));
        return;
      }
    }
    this.used += this.chunk.write(line, this.used, 'utf8');
    if (this.used >= BATCH_BYTES) this.handOver();
  }

  /** Gives what has gathered to the sink, which writes it out asynchronously. */
  handOver(): void {
    if (!this.used) return;
    const lines = this.chunk.subarray(0, this.used);
    this.chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    this.used = 0;
    this.sink.write(lines);
  }

  /** Writes out everything, before returning (shutdown, exit). */
  flushSync(): void {
    this.handOver();
    this.sink.flushSync();
  }

  /** pino's `logger.flush()`: hands the lines over; no fsync (a log line need not survive a power loss). */
  flush(cb?: (error?: Error) => void): void {
    this.handOver();
    cb?.();
  }
}

/** One `exit` listener for every destination of the process, holding none of them alive. */
const destinations = new Set<WeakRef<BatchedLineDestination>>();
let exitListener = false;

function flushAtExit(destination: BatchedLineDestination): void {
  if (!exitListener) {
    exitListener = true;
    process.once('exit', () => {
      for (const ref of destinations) {
        try {
          ref.deref()?.flushSync();
        } catch {
          // A closed or broken stdout has nothing more to take.
        }
      }
    });
  }
  destinations.add(new WeakRef(destination));
}
