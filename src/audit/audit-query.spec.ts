import { parseAuditQuery } from './audit-query';

describe('parseAuditQuery', () => {
  const now = 1_800_000_000;

  it('reads times as epoch seconds, ISO 8601 with a zone, or a span back from now', () => {
    expect(parseAuditQuery({ since: '1767225600' }, now)).toEqual({ since: 1767225600 });
    expect(parseAuditQuery({ since: '2026-01-01' }, now)).toEqual({ since: 1767225600 });
    expect(parseAuditQuery({ since: '2026-01-01T01:00:00Z', until: '2026-01-01T03:00:00+02:00' }, now)).toEqual({ since: 1767229200, until: 1767229200 });
    expect(parseAuditQuery({ since: '90m', until: '1h' }, now)).toEqual({ since: now - 5400, until: now - 3600 });
    expect(parseAuditQuery({ since: '7d' }, now)).toEqual({ since: now - 7 * 86400 });
  });

  it('refuses a time without a zone, or anything else, naming the parameter', () => {
    for (const since of ['2026-01-01T10:00', '2026-01-01T10:00:00', 'yesterday', '-5', '5w', '2026-13-45']) {
      expect(() => parseAuditQuery({ since }, now)).toThrow(/^since must be epoch seconds/);
    }
    expect(() => parseAuditQuery({ until: '' }, now)).toThrow('until must be given once, as 1 to 64 characters');
  });

  it('keeps the text filters as given and refuses one given twice or empty', () => {
    expect(parseAuditQuery({ actor: 'client:abc', event: 'client.updated', client_id: 'abc', tenant: 'default' }, now)).toEqual({
      actor: 'client:abc', event: 'client.updated', clientId: 'abc', tenant: 'default',
    });
    expect(() => parseAuditQuery({ actor: ['a', 'b'] }, now)).toThrow('actor must be given once, as 1 to 255 characters');
    expect(() => parseAuditQuery({ event: '' }, now)).toThrow('event must be given once, as 1 to 64 characters');
    expect(() => parseAuditQuery({ client_id: 'a\u0000b' }, now)).toThrow(/^client_id must be given once/);
  });
});
