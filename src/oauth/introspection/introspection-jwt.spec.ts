import { acceptsIntrospectionJwt } from './introspection-jwt';

describe('acceptsIntrospectionJwt (RFC 9701 §4)', () => {
  it.each([
    ['application/token-introspection+jwt', true],
    ['application/json, application/token-introspection+jwt;q=0.9', true],
    ['Application/Token-Introspection+JWT', true],
    ['application/token-introspection+jwt;q=0, application/json', false],
    ['application/json', false],
    ['*/*', false],
    [undefined, false],
  ])('%s → %s', (accept, expected) => {
    expect(acceptsIntrospectionJwt(accept)).toBe(expected);
  });
});
