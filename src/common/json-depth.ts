/** Admin and registration documents (client metadata with a JWK Set, identity providers) are a few levels deep. */
export const MAX_JSON_DEPTH = 32;

/** The nesting depth of a parsed JSON value, measured without recursion (a deep value cannot exhaust the stack here). */
export function jsonDepth(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [current, depth] = stack.pop()!;
    if (!current || typeof current !== 'object') continue;
    deepest = Math.max(deepest, depth + 1);
    if (deepest > MAX_JSON_DEPTH) return deepest;
    for (const member of Object.values(current)) stack.push([member, depth + 1]);
  }
  return deepest;
}
