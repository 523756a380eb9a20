type Table = Record<string, unknown>;

/** Merges TOML-shaped tables: nested tables merge, anything else (values, arrays) is replaced. */
export function deepMerge(base: Table, extra: Table): Table {
  const out: Table = { ...base };
  for (const [key, value] of Object.entries(extra)) {
    const current = out[key];
    const bothTables = [value, current].every((v) => v && typeof v === 'object' && !Array.isArray(v));
    out[key] = bothTables ? deepMerge(current as Table, value as Table) : value;
  }
  return out;
}
