import { entityTag, IfMatch } from './entity-tag';

describe('entity tags (RFC 9110 §8.8.3) and If-Match (§13.1.1)', () => {
  const tag = entityTag('client', 'default', 'c1', 3);

  it('makes a strong tag per kind, tenant, id and version', () => {
    expect(tag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    expect(entityTag('client', 'default', 'c1', 3)).toBe(tag);
    for (const other of [entityTag('client', 'default', 'c1', 4), entityTag('client', 'other', 'c1', 3), entityTag('client', 'default', 'c2', 3), entityTag('user', 'default', 'c1', 3)]) {
      expect(other).not.toBe(tag);
    }
  });

  it('matches a listed strong tag, and * any; a weak tag never (strong comparison)', () => {
    expect(IfMatch.parse(tag)!.matches(tag)).toBe(true);
    expect(IfMatch.parse(`"a", ${tag}`)!.matches(tag)).toBe(true);
    expect(IfMatch.parse(`"a",,  ${tag} ,`)!.matches(tag)).toBe(true);
    expect(IfMatch.parse(['"a"', tag])!.matches(tag)).toBe(true);
    expect(IfMatch.parse('*')!.matches(tag)).toBe(true);
    expect(IfMatch.parse(`W/${tag}`)!.matches(tag)).toBe(false);
    expect(IfMatch.parse('"a", "b"')!.matches(tag)).toBe(false);
  });

  it('is absent without the header, and refuses what is not a list of entity tags', () => {
    expect(IfMatch.parse(undefined)).toBeUndefined();
    for (const malformed of ['', 'abc', '"unterminated', '"a" "b"', '*, "a"', 'w/"a"', '"a\\"b"']) {
      expect(() => IfMatch.parse(malformed)).toThrow(expect.objectContaining({ code: 'invalid_request' }));
    }
  });

  it('answers 412 precondition_failed when the record moved on', () => {
    expect(() => IfMatch.parse('"old"')!.require(tag)).toThrow(expect.objectContaining({ status: 412, code: 'precondition_failed' }));
    expect(() => IfMatch.parse(tag)!.require(tag)).not.toThrow();
  });
});
