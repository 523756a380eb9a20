import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { DataSource, DataSourceOptions } from 'typeorm';
import { GrantryConfig } from '../config/config.schema';
import { databaseKind, dataSourceOptions } from '../database/data-source-options';
import { describeUnnamedSectors, SectorMetadata, unnamedSectorClients } from '../clients/pairwise-sector';
import { describeUnapproved, registrationGrantTypes, unapprovedRegistrations } from '../oauth/registration/registration-grant-types';

/** How long `config check` waits for a PostgreSQL or MySQL server before it reports it could not look. */
const CONNECT_TIMEOUT_MS = 5000;

/**
 * `config check`'s one look at the database: the clients whose registrants chose grant types
 * outside `[oauth.registration] allowed_grant_types` (the token endpoint refuses those until an
 * administrator saves the client), and the pairwise clients whose redirect URIs name no sector of
 * their own (registration refuses them now; stored ones keep their sector). It only reads: a
 * database that does not exist yet is not created (nothing to list), SQLite is opened read-only,
 * no migration runs — a database the server has not migrated yet is read as the migration will
 * leave it. Returns the warnings to print.
 */
export async function registeredClientWarnings(config: GrantryConfig): Promise<string[]> {
  const options = readOnlyOptions(config);
  if (!options) return [];
  const source = new DataSource(options);
  try {
    await source.initialize();
    const unapproved = unapprovedRegistrations(await registrantChoices(source), new Set(registrationGrantTypes(config)));
    const unnamed = unnamedSectorClients(await pairwiseWithoutSectorUri(source));
    return [...(unapproved.length ? [describeUnapproved(unapproved)] : []), ...(unnamed.length ? [describeUnnamedSectors(unnamed)] : [])];
  } catch (error) {
    const reason = ((error as Error).message ?? String(error)).split('\n')[0];
    return [`registered clients not checked against [oauth.registration] allowed_grant_types and pairwise sectors: the database could not be read (${reason})`];
  } finally {
    if (source.isInitialized) await source.destroy().catch(() => undefined);
  }
}

/** The grant types each client's registrant chose (RFC 7591/7592) and no administrator has saved since. */
async function registrantChoices(source: DataSource): Promise<{ clientId: string; registrantGrantTypes: string[] }[]> {
  const runner = source.createQueryRunner();
  try {
    if (!(await runner.hasTable('clients')) || !(await runner.hasColumn('clients', 'registration_token_digest'))) return [];
    // Before the migration that adds the column, every client with a registration access token chose all its grant types.
    const migrated = await runner.hasColumn('clients', 'registrant_grant_types');
    const rows = (await runner.query(
      migrated
        ? 'SELECT client_id, registrant_grant_types AS chosen FROM clients WHERE registrant_grant_types IS NOT NULL ORDER BY client_id'
        : 'SELECT client_id, grant_types AS chosen FROM clients WHERE registration_token_digest IS NOT NULL ORDER BY client_id',
    )) as { client_id: string; chosen: string }[];
    return rows.map((row) => ({ clientId: row.client_id, registrantGrantTypes: JSON.parse(row.chosen) as string[] }));
  } finally {
    await runner.release();
  }
}

/** The pairwise clients without a sector identifier URI, with their redirect URIs. */
async function pairwiseWithoutSectorUri(source: DataSource): Promise<({ clientId: string } & SectorMetadata)[]> {
  const runner = source.createQueryRunner();
  try {
    if (!(await runner.hasTable('clients')) || !(await runner.hasColumn('clients', 'sector_identifier_uri'))) return [];
    const rows = (await runner.query("SELECT client_id, redirect_uris FROM clients WHERE subject_type = 'pairwise' AND sector_identifier_uri IS NULL ORDER BY client_id")) as { client_id: string; redirect_uris: string }[];
    return rows.map((row) => ({ clientId: row.client_id, subject_type: 'pairwise', sector_identifier_uri: null, redirect_uris: JSON.parse(row.redirect_uris) as string[] }));
  } finally {
    await runner.release();
  }
}

/** One connection that cannot create the database: SQLite read-only and only if the file exists. */
function readOnlyOptions(config: GrantryConfig): DataSourceOptions | undefined {
  const url = config.database.url;
  const bare = { entities: [], migrations: [], migrationsRun: false, synchronize: false, logging: false };
  if (databaseKind(url) === 'sqlite') {
    const file = url.slice('sqlite:'.length);
    if (file === ':memory:' || !existsSync(resolve(file))) return undefined;
    return { ...bare, type: 'better-sqlite3', database: resolve(file), readonly: true, fileMustExist: true };
  }
  const options = dataSourceOptions(config.database);
  const onePool = databaseKind(url) === 'postgres' ? { connectionTimeoutMillis: CONNECT_TIMEOUT_MS, max: 1 } : { connectTimeout: CONNECT_TIMEOUT_MS, connectionLimit: 1 };
  return { ...options, ...bare, extra: { ...(options.extra as object), ...onePool } } as DataSourceOptions;
}
