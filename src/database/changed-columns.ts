/**
 * The properties of `next` that differ from `stored` (arrays and objects compared by their JSON),
 * for an UPDATE that sets only what a change changed: a concurrent change of other columns stays.
 */
export function changedColumns<T extends object>(stored: T, next: T): Partial<T> {
  const changes: Partial<T> = {};
  for (const key of Object.keys(next) as (keyof T)[]) {
    if (JSON.stringify(next[key]) !== JSON.stringify(stored[key])) changes[key] = next[key];
  }
  return changes;
}
