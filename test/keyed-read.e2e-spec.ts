import { DataSource, type ObjectLiteral, type Repository } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import { AtomicWriter } from '../src/database/atomic-writer';
import { KeyedRead } from '../src/database/keyed-read';
import { insertStep } from '../src/database/repository-steps';
import { ConsentEntity } from '../src/oauth/authorization/consent/consent.entity';
import { SessionEntity } from '../src/oauth/authorization/session/session.entity';
import { AuthorizationCodeEntity } from '../src/oauth/authorization/code/authorization-code.entity';
import { GrantRecordEntity } from '../src/oauth/grant-records/grant-record.entity';
import { OpaqueAccessToken } from '../src/oauth/tokens/opaque-token.entity';
import { RefreshTokenEntity } from '../src/oauth/tokens/refresh-token.entity';
import { RevokedAccessToken } from '../src/oauth/tokens/revoked-access-token.entity';
import { UserEntity } from '../src/users/user.entity';
import { startServer, stopServer, TestServer } from './support/server';

/**
 * KeyedRead replaces `findOneBy` on the token paths: on each database, for every entity it reads,
 * it must give exactly the entity findOneBy gives — JSON text, epoch seconds, booleans and nulls
 * converted the same way — and nothing for another tenant's key or an unknown one.
 */
describe('KeyedRead gives what findOneBy gives', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => stopServer(server));

  const cases: [string, new () => ObjectLiteral, string[]][] = [
    ['opaque access tokens', OpaqueAccessToken, ['tokenHash', 'tenant']],
    ['refresh tokens', RefreshTokenEntity, ['tokenHash', 'tenant']],
    ['grant records', GrantRecordEntity, ['id', 'tenant']],
    ['authorization codes', AuthorizationCodeEntity, ['codeHash', 'tenant']],
    ['users', UserEntity, ['id', 'tenant']],
    ['the JWT deny-list', RevokedAccessToken, ['tenant', 'jti']],
    ['consents', ConsentEntity, ['tenant', 'userId', 'clientId']],
    ['sessions by their secret', SessionEntity, ['secretHash', 'tenant']],
  ];

  it.each(cases)('%s, with every column set and with every nullable column null', async (_name, entity, keys) => {
    const repo = server.app.get(DataSource).getRepository(entity);
    const read = new KeyedRead(repo, keys, { uniqueIndex: entity === SessionEntity ? 'sessions (secret_hash)' : undefined });
    for (const [i, nulls] of [false, true].entries()) {
      const row = sampleRow(repo, `k${i}`, nulls);
      await server.app.get(AtomicWriter).commit([insertStep(repo, row)]);
      const key = Object.fromEntries(keys.map((k) => [k, row[k]]));
      const found = await read.one(key);
      expect(found).toEqual(await repo.findOneBy(key));
      expect(found).toEqual(row);
      expect(found).toBeInstanceOf(entity);
      expect(await read.one({ ...key, tenant: 'other.example' })).toBeUndefined();
      expect(await read.one(Object.fromEntries(keys.map((k) => [k, k === 'tenant' ? row.tenant : 'unknown'])))).toBeUndefined();
    }
  });

  it('refuses a key that does not hold the primary key (it could match several rows)', async () => {
    const read = new KeyedRead(server.app.get(DataSource).getRepository(OpaqueAccessToken), ['tenant', 'clientId']);
    await expect(read.one({ tenant: 'carbon.super', clientId: 'c' })).rejects.toThrow('a KeyedRead\'s key must hold the primary key (tokenHash missing, and no unique index named)');
  });
});

/** A row with a value of its column's type in every column (or null where `nulls` and the column allows it). */
function sampleRow(repo: Repository<ObjectLiteral>, seed: string, nulls: boolean): ObjectLiteral {
  const row = repo.metadata.create() as ObjectLiteral;
  for (const column of repo.metadata.columns) column.setEntityValue(row, nulls && column.isNullable ? null : sampleValue(column, seed));
  return row;
}

function sampleValue(column: ColumnMetadata, seed: string): unknown {
  if (column.propertyName === 'tenant') return 'carbon.super';
  if (column.transformer) {
    // JSON text or epoch seconds: the two transformers grantry's entities use.
    return column.type === 'bigint' ? 1796664912 : { list: [1, 'two'], nested: { flag: true }, seed };
  }
  switch (column.type) {
    case 'boolean':
      return true;
    case 'int':
    case 'integer':
    case 'bigint':
      return 3;
    default:
      return `${seed}-${column.propertyName}`.slice(0, Number(column.length) || 255);
  }
}
