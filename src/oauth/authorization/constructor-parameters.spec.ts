import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Issue 25: no class of the authorization flow takes more than 8 constructor parameters (AuthorizationFlow took 18). */
const MAX_PARAMETERS = 8;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

describe('the classes of oauth/authorization', () => {
  it(`take at most ${MAX_PARAMETERS} constructor parameters each`, () => {
    const counts: Record<string, number> = {};
    for (const file of sources(__dirname)) {
      for (const [name, value] of Object.entries(require(file) as Record<string, unknown>)) {
        // A class's `length` is its constructor's parameter count (parameter properties included).
        if (typeof value === 'function' && /^class\b/.test(Function.prototype.toString.call(value))) counts[name] = value.length;
      }
    }
    expect(counts.AuthorizationFlow).toBeDefined();
    expect(Object.entries(counts).filter(([, count]) => count > MAX_PARAMETERS)).toEqual([]);
  });
});
