import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WriteStep } from './atomic-writer';
import { Refused, SqliteGroupCommit } from './sqlite-group-commit';
import { SqliteWriterThread } from './sqlite-writer-thread';

// The thread runs the compiled worker (dist/, built by `npm test`'s pretest).
describe('SqliteWriterThread', () => {
  let dir: string;
  let db: Database.Database;
  let group: SqliteGroupCommit;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'grantry-writer-'));
    db = new Database(join(dir, 'test.sqlite'));
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT)');
    group = new SqliteGroupCommit(new SqliteWriterThread({ file: join(dir, 'test.sqlite'), pragmas: ['synchronous = 2', 'busy_timeout = 5000'] }));
  });
  afterEach(async () => {
    await group.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const insert = (k: string, v = 'x'): WriteStep => ({ sql: 'INSERT INTO t (k, v) VALUES (?, ?)', params: [k, v], expect: 'new-key', refused: () => new Error(`${k} taken`) });
  const update = (k: string): WriteStep => ({ sql: 'UPDATE t SET v = ? WHERE k = ?', params: ['y', k], expect: 'one-row', refused: () => new Error(`${k} missing`) });
  const keys = () => (db.prepare('SELECT k FROM t ORDER BY k').all() as { k: string }[]).map((row) => row.k);

  it('commits on its own connection; each request all or nothing, visible to the application once answered', async () => {
    const results = await Promise.allSettled([
      group.commit([insert('a'), insert('a2')]),
      group.commit([insert('b'), insert('a')]), // its second step hits a's key: b must not stay either
      group.commit([insert('c'), update('nope')]),
      group.commit([insert('d')]),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    const refused = results.slice(1, 3).map((r) => (r as PromiseRejectedResult).reason as Refused);
    expect(refused.map((error) => error.step.sql)).toEqual([insert('a').sql, update('nope').sql]); // the failing step itself, with its `refused`
    expect(keys()).toEqual(['a', 'a2', 'd']);
  });

  it('orders batches: the requests that arrive while one commits form the next', async () => {
    const first = group.commit([insert('k')]);
    await new Promise((resolve) => setImmediate(resolve)); // the first batch is in flight
    const second = group.commit([update('k')]); // runs after the first committed
    await Promise.all([first, second]);
    expect(db.prepare('SELECT v FROM t').get()).toEqual({ v: 'y' });
  });

  it('reports a failing statement with its SQLite code and keeps serving', async () => {
    const bad: WriteStep = { sql: 'INSERT INTO missing (k) VALUES (?)', params: ['x'] };
    await expect(group.commit([bad])).rejects.toMatchObject({ message: expect.stringMatching(/no such table/) });
    await group.commit([insert('after')]);
    expect(keys()).toEqual(['after']);
  });

  it('commits what is pending before it closes', async () => {
    const pending = [group.commit([insert('p1')]), group.commit([insert('p2')])];
    await group.close();
    await Promise.all(pending);
    expect(keys()).toEqual(['p1', 'p2']);
  });
});
