import { randomBytes } from 'node:crypto';
import type { DataSource, TableColumn } from 'typeorm';

/**
 * The tables of the migrated schema with a `tenant` column, sorted: what a tenant owns rows in.
 * On PostgreSQL only the data source's own schema counts: another schema of the same database
 * (an operator's grantry in `public`, say) holds tables of the same names.
 */
export async function tablesWithTenantColumn(source: DataSource): Promise<string[]> {
  const runner = source.createQueryRunner();
  try {
    const tables = await runner.getTables();
    const schema = source.options.type === 'postgres' ? ((await runner.query('SELECT current_schema() AS schema')) as { schema: string }[])[0].schema : undefined;
    return tables
      .filter((table) => table.findColumnByName('tenant') && (schema === undefined || table.schema === undefined || table.schema === schema))
      .map((table) => table.name.replace(/^.*\./, ''))
      .sort();
  } finally {
    await runner.release();
  }
}

function quote(source: DataSource, name: string): string {
  return source.options.type === 'mysql' ? `\`${name}\`` : `"${name}"`;
}

function placeholders(source: DataSource, count: number): string {
  return Array.from({ length: count }, (_, i) => (source.options.type === 'postgres' ? `$${i + 1}` : '?')).join(', ');
}

/** A value of `column`'s type, unique for strings (so primary keys and unique indexes never collide). */
function valueFor(column: TableColumn): string | number {
  if (/int|bool|numeric|decimal/i.test(column.type)) return 1;
  // A JSON string: valid in the columns that hold JSON text as well.
  const text = `"x${randomBytes(8).toString('hex')}"`;
  return column.length ? text.slice(0, Number(column.length)) : text;
}

/**
 * One row of `tenant` in `table`, every required column filled with a value of its type: a row as
 * good as any for what deletes by tenant, whatever columns a later migration adds.
 */
export async function insertTenantRow(source: DataSource, table: string, tenant: string): Promise<void> {
  const runner = source.createQueryRunner();
  let columns: TableColumn[];
  try {
    const found = await runner.getTable(table);
    if (!found) throw new Error(`no table ${table}`);
    columns = found.columns.filter((column) => column.name === 'tenant' || (!column.isNullable && column.default === undefined && !column.isGenerated));
  } finally {
    await runner.release();
  }
  const values = columns.map((column) => (column.name === 'tenant' ? tenant : valueFor(column)));
  await source.query(
    `INSERT INTO ${quote(source, table)} (${columns.map((column) => quote(source, column.name)).join(', ')}) VALUES (${placeholders(source, columns.length)})`,
    values,
  );
}

/** How many rows of `tenant` each of `tables` holds. */
export async function rowsOfTenant(source: DataSource, tables: readonly string[], tenant: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const [row] = (await source.query(`SELECT COUNT(*) AS n FROM ${quote(source, table)} WHERE tenant = ${placeholders(source, 1)}`, [tenant])) as { n: unknown }[];
    counts[table] = Number(row.n);
  }
  return counts;
}
