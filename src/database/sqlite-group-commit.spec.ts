import Database from 'better-sqlite3';
import type { WriteStep } from './atomic-writer';
import { Refused, SqliteDatabase, SqliteGroupCommit } from './sqlite-group-commit';
import { SqliteInProcessRunner } from './sqlite-in-process.runner';

describe('SqliteGroupCommit', () => {
  let db: Database.Database;
  let group: SqliteGroupCommit;
  beforeEach(() => {
    db = new Database(':memory:');
    db.exec('CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT)');
    group = new SqliteGroupCommit(new SqliteInProcessRunner(db as unknown as SqliteDatabase));
  });
  afterEach(() => db.close());

  const insert = (k: string, v = 'x'): WriteStep => ({ sql: 'INSERT INTO t (k, v) VALUES (?, ?)', params: [k, v], expect: 'new-key', refused: () => new Error(`${k} taken`) });
  const keys = () => (db.prepare('SELECT k FROM t ORDER BY k').all() as { k: string }[]).map((row) => row.k);

  it('commits the requests of one turn together, each all or nothing: a refused one leaves nothing, the others stay', async () => {
    const results = await Promise.allSettled([
      group.commit([insert('a'), insert('a2')]),
      group.commit([insert('b'), insert('a')]), // its second step hits a's key: b must not stay either
      group.commit([insert('c')]),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(Refused);
    expect(keys()).toEqual(['a', 'a2', 'c']);
  });

  it('fails every request of a batch whose transaction SQLite dropped, and writes none of them — later ones included', async () => {
    db.pragma('max_page_count = 3');
    const results = await Promise.allSettled([group.commit([insert('a')]), group.commit([insert('big', 'x'.repeat(64 * 1024))]), group.commit([insert('c')])]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(String((results[2] as PromiseRejectedResult).reason)).toMatch(/full/i);
    expect(keys()).toEqual([]);
  });

  it('answers a request only after the commit holding its writes', async () => {
    const done = group.commit([insert('z')]);
    expect(keys()).toEqual([]); // not yet written: the flush waits for the end of the turn
    await done;
    expect(keys()).toEqual(['z']);
  });
});
