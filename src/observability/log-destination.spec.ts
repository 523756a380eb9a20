import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { BATCH_BYTES, BatchedLineDestination, ByteSink } from './log-destination';

/** A sink that keeps what it was handed, as the chunks it got and as text. */
function collectingSink() {
  const chunks: Buffer[] = [];
  let syncFlushes = 0;
  const sink: ByteSink = {
    write: (chunk) => chunks.push(chunk), // kept as given: a chunk reused after its hand-over would show
    flush: (cb) => cb?.(),
    flushSync: () => void syncFlushes++,
  };
  return { sink, chunks, text: () => Buffer.concat(chunks).toString('utf8'), syncFlushes: () => syncFlushes };
}

describe('BatchedLineDestination', () => {
  it('holds lines until 32 KiB have gathered, then hands them over in order as one chunk', () => {
    const { sink, chunks, text } = collectingSink();
    const destination = new BatchedLineDestination(sink);
    const line = (i: number) => `{"n":${i},"pad":"${'x'.repeat(200)}"}\n`;
    let written = '';
    for (let i = 0; written.length < 32 * 1024 - 300; i++) {
      destination.write(line(i));
      written += line(i);
    }
    expect(chunks).toHaveLength(0);
    for (let i = 1000; chunks.length === 0; i++) {
      destination.write(line(i));
      written += line(i);
    }
    expect(chunks).toHaveLength(1);
    expect(chunks[0].length).toBeGreaterThanOrEqual(32 * 1024);
    expect(text()).toBe(written);
  });

  it('encodes multi-byte characters as UTF-8 and keeps a line larger than a chunk whole, after the lines before it', () => {
    const { sink, text } = collectingSink();
    const destination = new BatchedLineDestination(sink);
    const small = '{"msg":"clïent 客户 😀"}\n';
    const huge = `{"msg":"${'é'.repeat(40_000)}"}\n`;
    destination.write(small);
    destination.write(huge);
    destination.write(small);
    destination.flushSync();
    expect(text()).toBe(small + huge + small);
  });

  it('writes out everything on flushSync and on flush, and at least every flush interval', async () => {
    const { sink, chunks, text, syncFlushes } = collectingSink();
    const destination = new BatchedLineDestination(sink, 20);
    destination.write('{"a":1}\n');
    destination.flushSync();
    expect(text()).toBe('{"a":1}\n');
    expect(syncFlushes()).toBeGreaterThan(0);

    let called = false;
    destination.write('{"b":2}\n');
    destination.flush(() => (called = true));
    expect(called).toBe(true);
    expect(text()).toBe('{"a":1}\n{"b":2}\n');

    destination.write('{"c":3}\n');
    const before = chunks.length;
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(chunks.length).toBe(before + 1);
    expect(text()).toBe('{"a":1}\n{"b":2}\n{"c":3}\n');
  });

  it('hands over nothing when nothing gathered', () => {
    const { sink, chunks } = collectingSink();
    const destination = new BatchedLineDestination(sink);
    destination.flush();
    destination.handOver();
    expect(chunks).toHaveLength(0);
  });
});

describe('BatchedLineDestination over sonic-boom (as createLog sets it up)', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'grantry-log-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function overSonicBoom(file: string) {
    const out = pino.destination({ dest: file, sync: false, minLength: BATCH_BYTES, maxWrite: 2 * BATCH_BYTES, contentMode: 'buffer' });
    return new Promise<{ destination: BatchedLineDestination; out: typeof out }>((resolve) =>
      out.once('ready', () =>
        resolve({
          out,
          destination: new BatchedLineDestination({
            write: (chunk) => out.write(chunk as unknown as string),
            flush: (cb) => out.flush(cb),
            flushSync: () => out.flushSync(),
          }),
        }),
      ),
    );
  }

  it('has every line in the file when flushSync returns — the shutdown path, which cannot wait', async () => {
    const file = join(dir, 'small.log');
    const { destination, out } = await overSonicBoom(file);
    try {
      for (let i = 0; i < 50; i++) destination.write(`{"n":${i}}\n`);
      expect(readFileSync(file, 'utf8')).toBe('');
      destination.flushSync();
      expect(readFileSync(file, 'utf8').split('\n').filter(Boolean)).toHaveLength(50);
    } finally {
      out.destroy();
    }
  });

  it('writes full batches as they fill, and the rest at flush, every line once', async () => {
    const file = join(dir, 'large.log');
    const { destination, out } = await overSonicBoom(file);
    try {
      const lines = Array.from({ length: 2000 }, (_, i) => `{"n":${i},"pad":"${'y'.repeat(100)}"}`);
      for (const line of lines) destination.write(`${line}\n`);
      await new Promise<void>((resolve, reject) => destination.flush((error) => (error ? reject(error) : resolve())));
      expect(readFileSync(file, 'utf8').split('\n').filter(Boolean)).toEqual(lines);
    } finally {
      out.destroy();
    }
  });
});

describe('BatchedLineDestination.flushSync with a backlog in sonic-boom', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'grantry-log-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the backlog and the last chunk synchronously even when together they make a full batch', async () => {
    const file = join(dir, 'backlog.log');
    const out = pino.destination({ dest: file, sync: false, minLength: BATCH_BYTES, maxWrite: 2 * BATCH_BYTES, contentMode: 'buffer' });
    await new Promise((resolve) => out.once('ready', resolve));
    const destination = new BatchedLineDestination({
      write: (chunk) => out.write(chunk as unknown as string),
      flush: (cb) => out.flush(cb),
      flushSync: () => out.flushSync(),
    });
    try {
      const line = (i: number) => `{"n":${i},"pad":"${'z'.repeat(1000)}"}\n`;
      let n = 0;
      // A full batch goes out asynchronously; the timer's hand-over lands while it is in flight
      // and stays in sonic-boom (below a batch) once the write returns.
      while (n < 33) destination.write(line(n++));
      for (let i = 0; i < 20; i++) destination.write(line(n++));
      destination.flush();
      await new Promise((resolve) => out.once('drain', resolve));
      // The last chunk: with the ~20 KiB backlog it passes a batch.
      for (let i = 0; i < 15; i++) destination.write(line(n++));
      destination.flushSync();
      const written = readFileSync(file, 'utf8').split('\n').filter(Boolean);
      expect(written).toHaveLength(n);
      expect(written.map((text) => JSON.parse(text).n)).toEqual(Array.from({ length: n }, (_, i) => i));
    } finally {
      out.destroy();
    }
  });
});

describe('BatchedLineDestination when its sink is gone', () => {
  it('keeps its timer from throwing once the sink refuses writes (a destroyed sonic-boom)', async () => {
    const destroyed = () => {
      throw new Error('SonicBoom destroyed');
    };
    const destination = new BatchedLineDestination({ write: destroyed, flush: destroyed, flushSync: destroyed }, 10);
    destination.write('{"a":1}\n');
    // A throw from the timer would fail this test (jest reports errors thrown in timers).
    await new Promise((resolve) => setTimeout(resolve, 50));
  });
});
