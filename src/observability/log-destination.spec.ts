import { BatchedLineDestination, ByteSink } from './log-destination';

/** A sink that keeps what it was handed, as the chunks it got and as text. */
function collectingSink() {
  const chunks: Buffer[] = [];
  let syncFlushes = 0;
  const sink: ByteSink = {
    write: (chunk) => chunks.push(chunk), // kept as given: a chunk reused after its hand-over would show
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
    expect(syncFlushes()).toBe(1);

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
