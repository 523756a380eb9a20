import { QueryFailedError } from 'typeorm';
import { isDatabaseUnavailable } from './database-outage';

const withCode = (message: string, fields: Record<string, unknown>) => Object.assign(new Error(message), fields);
const queryFailed = (driverError: Error) => new QueryFailedError('SELECT 1', [], driverError);

describe('isDatabaseUnavailable', () => {
  it.each([
    ['pg: connection refused', withCode('connect ECONNREFUSED 127.0.0.1:5432', { code: 'ECONNREFUSED', syscall: 'connect' })],
    ['pg: connection lost mid-query', queryFailed(new Error('Connection terminated unexpectedly'))],
    ['pg: pool acquire timeout', new Error('timeout exceeded when trying to connect')],
    ['pg: admin shutdown (57P01)', queryFailed(withCode('terminating connection due to administrator command', { code: '57P01' }))],
    ['pg: too many connections (53300)', withCode('sorry, too many clients already', { code: '53300' })],
    ['pg: connection failure (08006)', queryFailed(withCode('connection failure', { code: '08006' }))],
    ['mysql2: connection lost', queryFailed(withCode('Connection lost: The server closed the connection.', { code: 'PROTOCOL_CONNECTION_LOST', fatal: true }))],
    ['mysql2: server gone away (2006)', withCode('MySQL server has gone away', { errno: 2006 })],
    ['mysql2: reset', withCode('read ECONNRESET', { code: 'ECONNRESET', errno: -104 })],
    ['SQLite: busy past busy_timeout', queryFailed(withCode('database is locked', { code: 'SQLITE_BUSY' }))],
    ['SQLite: I/O error', withCode('disk I/O error', { code: 'SQLITE_IOERR_WRITE' })],
    ['Node: every address refused', Object.assign(new AggregateError([withCode('connect ECONNREFUSED ::1:5432', { code: 'ECONNREFUSED' })], 'connect failed'))],
  ])('is true for %s', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['pg: unique violation (23505)', queryFailed(withCode('duplicate key value violates unique constraint', { code: '23505' }))],
    ['pg: syntax error (42601)', queryFailed(withCode('syntax error', { code: '42601' }))],
    ['pg: serialization failure (40001)', queryFailed(withCode('could not serialize access', { code: '40001' }))],
    ['mysql2: duplicate entry (1062)', queryFailed(withCode("Duplicate entry 'x' for key 'PRIMARY'", { code: 'ER_DUP_ENTRY', errno: 1062 }))],
    ['mysql2: deadlock (1213)', queryFailed(withCode('Deadlock found', { code: 'ER_LOCK_DEADLOCK', errno: 1213 }))],
    ['SQLite: unique constraint', queryFailed(withCode('UNIQUE constraint failed: clients.client_id', { code: 'SQLITE_CONSTRAINT_UNIQUE' }))],
    ['an outbound fetch that could not connect (the cause is not the database)', new TypeError('fetch failed', { cause: withCode('connect ECONNREFUSED', { code: 'ECONNREFUSED' }) })],
    ['a plain bug', new TypeError("Cannot read properties of undefined (reading 'x')")],
    ['not an error', 'ECONNREFUSED'],
    ['nothing', undefined],
  ])('is false for %s', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });

  it('does not loop on an error that wraps itself', () => {
    const error = withCode('odd', {});
    (error as unknown as { driverError: unknown }).driverError = error;
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});
