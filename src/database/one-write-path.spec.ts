import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const SRC = join(__dirname, '..');

/**
 * Writes that bypass AtomicWriter: a TypeORM repository's or entity manager's write methods, an
 * awaited transaction on a data source (on SQLite it holds the application's one connection across
 * event-loop turns), and DML through `query` outside the writer and the migrations.
 */
const BYPASSES = [
  /\b(repo|repository|identities|manager|getRepository\([^)]*\))\s*\.\s*(insert|save|update|delete|remove|upsert|increment|decrement|softDelete|restore|clear)\s*\(/,
  /\.transaction\s*\(\s*async/,
  /createQueryBuilder\([^)]*\)[\s\S]{0,200}?\.(update|delete|insert)\([\s\S]{0,400}?\.execute\(\)/,
];


function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'migrations' ? [] : sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

describe('one write path (issue 25 item 3)', () => {
  it('leaves every write of the application to AtomicWriter steps', () => {
    const offenders = sources(SRC)
      .map((path) => relative(SRC, path))
      .filter((path) => path !== 'database/atomic-writer.ts' && path !== 'database/migrator.ts')
      .filter((path) => BYPASSES.some((pattern) => pattern.test(readFileSync(join(SRC, path), 'utf8'))));
    expect(offenders).toEqual([]);
  });
});
