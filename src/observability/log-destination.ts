import type { DestinationStream } from 'pino';

/**
 * What the lines are handed to: pino's sonic-boom destination in Buffer mode, with `minLength`
 * = `BATCH_BYTES` — so a full batch is written at once (in the threadpool), while a smaller
 * chunk waits in the sink until `flush()` (written asynchronously) or `flushSync()` (written
 * before it returns, retrying while a pipe is full).
 */
export interface ByteSink {
  write(chunk: Buffer): unknown;
  flush(cb?: (error?: Error) => void): void;
  flushSync(): void;
}

/** Lines are handed over once this much has gathered (one threadpool write per ~100 requests). */
export const BATCH_BYTES = 32 * 1024;
/** Room for a batch and the line that completes it; a UTF-8 byte count is at most 3 per UTF-16 unit. */
const CHUNK_BYTES = 2 * BATCH_BYTES;

/**
 * The JSON-lines destination of the log: each line is encoded straight into one chunk buffer, and
 * the chunk is handed to the sink when 32 KiB have gathered, at least every second, and
 * synchronously at shutdown (`flushLogSync`) and at exit.
 *
 * Encoding each line into a Buffer of its own, which the sink then queues, cost a Buffer
 * allocation and the sink's bookkeeping per line — about 1.5 % of the event loop under load.
 */
export class BatchedLineDestination implements DestinationStream {
  private chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  private used = 0;

  constructor(private readonly sink: ByteSink, flushEveryMs = 1000) {
    // The timer and the exit hook hold the destination weakly: an application that is gone (the
    // tests make many) takes its destination with it.
    const self = new WeakRef(this);
    const timer = setInterval(() => {
      const destination = self.deref();
      if (!destination) return clearInterval(timer);
      try {
        destination.flush();
      } catch {
        // stdout closed or destroyed: there is nothing left to write to, and a timer must not throw.
      }
    }, flushEveryMs).unref();
    flushAtExit(self);
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

  /** Gives the gathered lines to the sink (a full batch it writes at once, a smaller chunk it keeps). */
  handOver(): void {
    if (!this.used) return;
    const lines = this.chunk.subarray(0, this.used);
    this.chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    this.used = 0;
    this.sink.write(lines);
  }

  /**
   * Writes out everything before returning (shutdown, exit). The sink's own backlog goes first:
   * handed over on top of it, the last chunk could reach a full batch and start an asynchronous
   * write, which a process about to end may never finish. Handed over to an empty sink it stays
   * below a batch, so the second `flushSync` writes it. (A write already in flight when this runs
   * is the threadpool's to finish.)
   */
  flushSync(): void {
    this.sink.flushSync();
    this.handOver();
    this.sink.flushSync();
  }

  /**
   * Hands over and has the sink write everything out asynchronously. Without `cb` (the timer)
   * sonic-boom does not fsync; pino's `logger.flush(cb)` passes one, called at sonic-boom's next
   * drain, after an fsync.
   */
  flush(cb?: (error?: Error) => void): void {
    this.handOver();
    this.sink.flush(cb);
  }
}

/** One `exit` listener for every destination of the process. */
const destinations = new Set<WeakRef<BatchedLineDestination>>();
const forgotten = new FinalizationRegistry<WeakRef<BatchedLineDestination>>((ref) => destinations.delete(ref));
let exitListener = false;

function flushAtExit(ref: WeakRef<BatchedLineDestination>): void {
  if (!exitListener) {
    exitListener = true;
    process.once('exit', () => {
      for (const live of destinations) {
        try {
          live.deref()?.flushSync();
        } catch {
          // A closed or broken stdout has nothing more to take.
        }
      }
    });
  }
  destinations.add(ref);
  forgotten.register(ref.deref()!, ref);
}
