import Database from 'better-sqlite3';
import { sweepStatement } from './sweep-statement';

describe('sweepStatement', () => {
  it('deletes by ctid from a SKIP LOCKED pick on PostgreSQL, so instances take disjoint batches without waiting', () => {
    expect(sweepStatement('postgres', 'used_jtis', 500)).toBe(
      'DELETE FROM used_jtis WHERE ctid = ANY(ARRAY(SELECT ctid FROM used_jtis WHERE expires_at < $1 LIMIT 500 FOR UPDATE SKIP LOCKED))',
    );
  });

  it('uses DELETE ... ORDER BY expires_at LIMIT on MySQL/MariaDB (no LIMIT in an IN subquery there)', () => {
    expect(sweepStatement('mysql', 'refresh_tokens', 7)).toBe('DELETE FROM refresh_tokens WHERE expires_at < ? ORDER BY expires_at LIMIT 7');
  });

  it('deletes by rowid from a limited subquery on SQLite', () => {
    expect(sweepStatement('sqlite', 'grant_records', 100)).toBe(
      'DELETE FROM grant_records WHERE rowid IN (SELECT rowid FROM grant_records WHERE expires_at < ? LIMIT 100)',
    );
  });

  it('splices only plain identifiers and positive integers into SQL', () => {
    expect(() => sweepStatement('sqlite', 'used_jtis; DROP TABLE clients', 10)).toThrow('not a table name');
    expect(() => sweepStatement('postgres', 'Used_Jtis', 10)).toThrow('not a table name');
    for (const size of [0, -1, 1.5, Number.NaN, 2 ** 60]) expect(() => sweepStatement('mysql', 'used_jtis', size)).toThrow('not a batch size');
  });

  it('deletes at most a batch of expired rows per run on SQLite, never a live one', () => {
    const db = new Database(':memory:');
    try {
      // A composite text primary key, like used_jtis: the table still has a rowid.
      db.exec('CREATE TABLE t (tenant TEXT, jti TEXT, expires_at BIGINT, PRIMARY KEY (tenant, jti))');
      const add = db.prepare('INSERT INTO t VALUES (?, ?, ?)');
      for (let i = 0; i < 10; i++) add.run('default', `old-${i}`, 100 + i);
      for (let i = 0; i < 3; i++) add.run('default', `live-${i}`, 1000);
      const sweep = db.prepare(sweepStatement('sqlite', 't', 4));
      expect([sweep.run(500).changes, sweep.run(500).changes, sweep.run(500).changes, sweep.run(500).changes]).toEqual([4, 4, 2, 0]);
      expect((db.prepare('SELECT jti FROM t ORDER BY jti').all() as { jti: string }[]).map((r) => r.jti)).toEqual(['live-0', 'live-1', 'live-2']);
    } finally {
      db.close();
    }
  });
});
