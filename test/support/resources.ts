/**
 * A last line of defence against a test run that hangs: every server, JWKS stub and database
 * the support helpers create is tracked until released, and whatever a test file left open
 * (a test that failed before its `finally`, or none) is released after the file, with a warning
 * naming where it was created. Tests still release their own in `finally`/`afterEach`/`afterAll`.
 */
const open = new Map<object, { what: string; createdAt: string; release: () => Promise<unknown> }>();

/** Tracks `release` (idempotent: the returned function runs it once) until it is called. */
export function track(what: string, release: () => Promise<unknown>): () => Promise<void> {
  const key = {};
  let done: Promise<void> | undefined;
  const once = () =>
    (done ??= (async () => {
      open.delete(key);
      await release();
    })());
  const createdAt = (new Error().stack ?? '').split('\n').find((line) => /\.(e2e-)?spec\.[jt]s/.test(line))?.trim() ?? '';
  open.set(key, { what, createdAt, release: once });
  return once;
}

/** Releases everything still open (the file's own hooks have run by then); names each leak. */
async function releaseLeftovers(): Promise<void> {
  const leftovers = [...open.values()];
  for (const { what, createdAt, release } of leftovers.reverse()) {
    process.stderr.write(`test support: released a leaked ${what} ${createdAt}\n`);
    await release().catch((error: unknown) => process.stderr.write(`test support: releasing ${what} failed: ${String(error)}\n`));
  }
}

// Jest's globals exist only inside a test file; registered at import, this runs after the
// file's describe blocks and their afterAll hooks.
if (typeof afterAll === 'function') afterAll(releaseLeftovers);

/**
 * For tests that open several things: `const release = releaseAfterEach();` in a describe block,
 * then `release(() => server.close())` as each is opened. After every test, failed or not, all
 * are released, the last opened first; every release is attempted and the first error rethrown.
 */
export function releaseAfterEach(): (release: () => Promise<unknown>) => void {
  const pending: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    let failure: unknown;
    for (const release of pending.splice(0).reverse()) {
      await release().catch((error: unknown) => (failure ??= error));
    }
    if (failure) throw failure;
  });
  return (release) => void pending.push(release);
}
