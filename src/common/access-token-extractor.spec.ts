import { authorizationLines, extractAccessToken, formAccessToken, tokenCarriers } from './access-token-extractor';

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln-_~+/==';

describe('extractAccessToken (RFC 6750 §2)', () => {
  const header = (...lines: string[]) => ({ authorization: lines });

  it('takes a Bearer token from the Authorization header, the scheme in any case (RFC 9110 §11.1)', () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
      expect(extractAccessToken(header(`${scheme} ${TOKEN}`))).toEqual({ scheme: 'Bearer', token: TOKEN });
    }
  });

  it('accepts one or more spaces between scheme and token (RFC 6750 §2.1 and RFC 9110 §11.4: 1*SP)', () => {
    expect(extractAccessToken(header(`Bearer   ${TOKEN}`))).toEqual({ scheme: 'Bearer', token: TOKEN });
  });

  it('refuses credentials that are not one b64token as malformed', () => {
    for (const value of ['Bearer', 'Bearer ', 'Bearer a b', 'Bearer a,b', 'Bearer a=b', 'Bearer "a"', 'Bearer\ta', 'Bearer =abc', '', ' ', 'Bearer ä']) {
      expect(extractAccessToken(header(value))).toMatchObject({ problem: 'malformed' });
    }
  });

  it('refuses two Authorization field lines as malformed, even with the same valid token (RFC 9110 §5.3)', () => {
    expect(extractAccessToken(header(`Bearer ${TOKEN}`, `Bearer ${TOKEN}`))).toEqual({ problem: 'malformed', detail: '2 Authorization header fields' });
    expect(extractAccessToken(header(`Bearer ${TOKEN}`, 'Basic YTpi'))).toMatchObject({ problem: 'malformed' });
  });

  it('finds no token in credentials of another scheme (§3.1: an unsupported method gets no error code)', () => {
    expect(extractAccessToken(header('Basic YTpi'))).toEqual({ problem: 'missing', detail: 'the Authorization header is not Bearer credentials' });
    expect(extractAccessToken(header(`DPoP ${TOKEN}`))).toMatchObject({ problem: 'missing' });
    expect(extractAccessToken(header('Bearerx abc'))).toMatchObject({ problem: 'missing' });
  });

  it('takes the schemes the resource accepts, spelled as it spells them', () => {
    expect(extractAccessToken(header(`dpop ${TOKEN}`), { schemes: ['DPoP', 'Bearer'] })).toEqual({ scheme: 'DPoP', token: TOKEN });
    expect(extractAccessToken(header(`Bearer ${TOKEN}`), { schemes: ['DPoP'] })).toMatchObject({ problem: 'missing' });
  });

  it('answers no carrier at all as missing', () => {
    expect(extractAccessToken(header())).toEqual({ problem: 'missing', detail: 'no Authorization header' });
  });

  it('takes a form token only where the resource reads the form (§2.2)', () => {
    expect(extractAccessToken({ authorization: [], form: TOKEN }, { form: true })).toEqual({ scheme: 'Bearer', token: TOKEN });
    // A form token is not held to the header's grammar.
    expect(extractAccessToken({ authorization: [], form: 'a b' }, { form: true })).toEqual({ scheme: 'Bearer', token: 'a b' });
    expect(extractAccessToken({ authorization: [], form: '' }, { form: true })).toMatchObject({ problem: 'malformed' });
    expect(extractAccessToken({ authorization: [], form: TOKEN })).toMatchObject({ problem: 'missing' });
    expect(extractAccessToken({ authorization: [], form: TOKEN }, { form: true, schemes: ['DPoP'] })).toMatchObject({ problem: 'missing' });
  });

  it('never takes a token from the query (§5.3)', () => {
    expect(extractAccessToken({ authorization: [], query: TOKEN })).toMatchObject({ problem: 'missing' });
    expect(extractAccessToken({ authorization: [], query: TOKEN }, { form: true })).toMatchObject({ problem: 'missing' });
  });

  it('refuses a token sent by more than one method, read or not (§2: one method only)', () => {
    const ambiguous = (detail: string) => ({ problem: 'ambiguous', detail });
    expect(extractAccessToken({ authorization: [`Bearer ${TOKEN}`], form: TOKEN }, { form: true })).toEqual(ambiguous('an access token in the Authorization header and the form'));
    expect(extractAccessToken({ authorization: [`Bearer ${TOKEN}`], form: TOKEN })).toEqual(ambiguous('an access token in the Authorization header and the form'));
    expect(extractAccessToken({ authorization: [`Bearer ${TOKEN}`], query: TOKEN })).toEqual(ambiguous('an access token in the Authorization header and the query'));
    expect(extractAccessToken({ authorization: [], form: TOKEN, query: TOKEN }, { form: true })).toEqual(ambiguous('an access token in the form and the query'));
    // Whatever the header holds: the client used two methods.
    expect(extractAccessToken({ authorization: ['Basic YTpi'], query: TOKEN })).toMatchObject({ problem: 'ambiguous' });
  });

  it('refuses a form access_token repeated where the form is read (§3.1 invalid_request)', () => {
    expect(extractAccessToken({ authorization: [], form: [TOKEN, TOKEN] }, { form: true })).toEqual({ problem: 'ambiguous', detail: 'access_token is included more than once in the form' });
  });

  it('names what went wrong without the token', () => {
    const results = [
      extractAccessToken(header(`Bearer ${TOKEN} x`)),
      extractAccessToken(header(`Bearer ${TOKEN}`, `Bearer ${TOKEN}`)),
      extractAccessToken({ authorization: [`Bearer ${TOKEN}`], form: TOKEN }, { form: true }),
    ];
    for (const result of results) expect(JSON.stringify(result)).not.toContain(TOKEN);
  });
});

describe('reading the carriers of a request', () => {
  it('sees every Authorization line of a Node message, which headers.authorization hides (Fastify: raw)', () => {
    const raw = { headersDistinct: { authorization: ['Bearer a', 'Bearer b'] } };
    expect(authorizationLines({ raw, headers: { authorization: 'Bearer a' } })).toEqual(['Bearer a', 'Bearer b']);
    expect(authorizationLines({ ...raw, headers: { authorization: 'Bearer a' } })).toEqual(['Bearer a', 'Bearer b']); // Express: the message itself
    expect(authorizationLines({ raw: { headersDistinct: {} } })).toEqual([]);
  });

  it('falls back to parsed headers without a Node message (a plain object, a Fetch-style Headers)', () => {
    expect(authorizationLines({ headers: { authorization: 'Bearer a' } })).toEqual(['Bearer a']);
    expect(authorizationLines({ headers: { authorization: ['Bearer a', 'Bearer b'] } })).toEqual(['Bearer a', 'Bearer b']);
    expect(authorizationLines({ headers: new Headers({ authorization: 'Bearer a' }) })).toEqual(['Bearer a']);
    expect(authorizationLines({ headers: {} })).toEqual([]);
    expect(authorizationLines({})).toEqual([]);
  });

  it('reads the query access_token, repeated or not, and ignores what a parser could not have produced', () => {
    expect(tokenCarriers({ headers: {}, query: { access_token: 'q' } })).toEqual({ authorization: [], form: undefined, query: 'q' });
    expect(tokenCarriers({ headers: {}, query: { access_token: ['q', 'r'] } }).query).toEqual(['q', 'r']);
    expect(tokenCarriers({ headers: {}, query: { access_token: { nested: 1 } } }).query).toBeUndefined();
    expect(tokenCarriers({ headers: {}, query: null }).query).toBeUndefined();
    expect(tokenCarriers({ headers: {} }, 'f').form).toBe('f');
  });

  it('reads a body access_token only from a form-encoded body', () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' };
    expect(formAccessToken({ headers: form, body: { access_token: 'f' } })).toBe('f');
    expect(formAccessToken({ headers: { 'content-type': 'application/json' }, body: { access_token: 'f' } })).toBeUndefined();
    expect(formAccessToken({ headers: {}, body: { access_token: 'f' } })).toBeUndefined();
    expect(formAccessToken({ headers: form })).toBeUndefined();
  });
});
