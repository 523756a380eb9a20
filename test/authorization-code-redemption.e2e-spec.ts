import { createHash, randomBytes } from 'node:crypto';
import type { ClientView } from '../src/clients/clients.service';
import { AtomicWriter, WriteStep } from '../src/database/atomic-writer';
import { UsersService } from '../src/users/users.service';
import { parseUserInput } from '../src/users/user-input';
import { TestBrowser } from './support/browser';
import { basic, createClient, startServer, stopServer, TestServer, tokenRequest } from './support/server';

const REDIRECT = 'https://rp.example/callback';
const CODE_REFUSED = { error: 'invalid_grant', error_description: 'the authorization code is invalid, expired or already used' };
const FAST_SCRYPT = { users: { scrypt_log_n: 14, scrypt_p: 1 } };
/** Status and body, to compare whole: an error body has exactly its two fields. */
const answered = ({ status, body }: { status: number; body: Record<string, unknown> }) => ({ status, body });
const verifier = () => randomBytes(32).toString('base64url');
const s256 = (value: string) => createHash('sha256').update(value).digest('base64url');

/**
 * The checks of a code exchange that an exchange done once, in order, by its own client never
 * reaches (RFC 6749 §4.1.2, §4.1.3; RFC 7636 §4.6; RFC 9700 §4.2.4): the one-time use under
 * concurrency, the binding to the client — whose refusal must leave the code to its rightful
 * client — and the code's lifetime.
 */
describe('authorization code redemption', () => {
  let server: TestServer;
  let lax: TestServer;

  beforeAll(async () => {
    server = await startServer(FAST_SCRYPT);
    // A deployment where PKCE is optional: a code may then be issued without a challenge.
    lax = await startServer({ ...FAST_SCRYPT, oauth: { pkce: { required: false } } });
  });
  afterAll(async () => {
    await stopServer(lax);
    await stopServer(server);
  });

  async function relyingParty(target: TestServer, name: string): Promise<ClientView> {
    return createClient(target, { client_name: name, grant_types: ['authorization_code', 'refresh_token'], redirect_uris: [REDIRECT], scope: 'openid' });
  }

  /** Signs a new user in and approves; returns the code sent to REDIRECT. */
  async function codeFor(target: TestServer, client: ClientView, challenge?: string): Promise<string> {
    const username = `u${randomBytes(6).toString('hex')}`;
    await target.app.get(UsersService).create(parseUserInput({ username, password: 'correct horse battery' }, true));
    const params: Record<string, string> = { client_id: client.client_id, response_type: 'code', redirect_uri: REDIRECT, scope: 'openid', state: 'st' };
    if (challenge) Object.assign(params, { code_challenge: challenge, code_challenge_method: 'S256' });
    const browser = new TestBrowser(target.url);
    const login = await browser.follow(`${target.url}/oauth2/authorize?${new URLSearchParams(params)}`);
    const consent = await browser.submit(login, { username, password: 'correct horse battery' });
    const back = await browser.submit(consent, { decision: 'approve' });
    expect(back.location).toMatch(/^https:\/\/rp\.example\/callback\?code=/);
    return new URL(back.location!).searchParams.get('code')!;
  }

  const exchange = (target: TestServer, client: ClientView, params: Record<string, string>) =>
    tokenRequest(target, { grant_type: 'authorization_code', redirect_uri: REDIRECT, ...params }, { authorization: basic(client.client_id, client.client_secret!) });

  async function introspect(target: TestServer, client: ClientView, token: string): Promise<Record<string, unknown>> {
    const response = await fetch(`${target.url}/oauth2/introspect`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(client.client_id, client.client_secret!) },
      body: new URLSearchParams({ token }),
    });
    expect(response.status).toBe(200);
    return (await response.json()) as Record<string, unknown>;
  }

  /**
   * Holds every write that redeems a code until `count` of them wait, then lets them all go at
   * once: each exchange has passed every check before any of them writes — the interleaving a busy
   * server meets by chance, made certain. The statements still run, unchanged, on the database.
   */
  function holdRedemptions(target: TestServer, count: number): { held(): number; restore(): void } {
    const writer = target.app.get(AtomicWriter);
    const commit = writer.commit.bind(writer);
    let waiting = 0;
    let release!: () => void;
    const together = new Promise<void>((resolve) => (release = resolve));
    // Should fewer arrive (a check failing early), they go on after a while and the assertions say why.
    const fallback = setTimeout(release, 10_000);
    const spy = jest.spyOn(writer, 'commit').mockImplementation(async (steps: readonly WriteStep[]) => {
      if (steps.some((step) => /^UPDATE authorization_codes SET consumed_at/.test(step.sql.trim()))) {
        if (++waiting === count) release();
        await together;
      }
      return commit(steps);
    });
    return {
      held: () => waiting,
      restore: () => {
        clearTimeout(fallback);
        release();
        spy.mockRestore();
      },
    };
  }

  it('redeems a code once of 20 concurrent exchanges, and the reuse revokes what the winner got', async () => {
    // DESIGN "Rules that hold everywhere": consumed by one atomic statement, so two concurrent
    // requests cannot both succeed; RFC 6749 §4.1.2: a code used twice revokes its tokens.
    const rp = await relyingParty(server, 'Racer');
    const right = verifier();
    const code = await codeFor(server, rp, s256(right));
    const hold = holdRedemptions(server, 20);
    let answers: Awaited<ReturnType<typeof exchange>>[];
    try {
      answers = await Promise.all(Array.from({ length: 20 }, () => exchange(server, rp, { code, code_verifier: right })));
    } finally {
      hold.restore();
    }
    // Every one of them reached the write: the race below really was 20 wide.
    expect(hold.held()).toBe(20);

    const winners = answers.filter((answer) => answer.status === 200);
    expect(winners).toHaveLength(1);
    for (const loser of answers.filter((answer) => answer.status !== 200)) expect(answered(loser)).toEqual({ status: 400, body: CODE_REFUSED });
    const [{ body: tokens }] = winners;
    expect(await introspect(server, rp, tokens.access_token as string)).toEqual({ active: false });
    const refreshed = await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token as string }, { authorization: basic(rp.client_id, rp.client_secret!) });
    expect(answered(refreshed)).toEqual({ status: 400, body: { error: 'invalid_grant', error_description: 'refresh_token is invalid, expired, revoked or already used' } });
  });

  it('refuses a code presented by another client with a valid verifier, and leaves it to its own client', async () => {
    // RFC 6749 §4.1.3: the code must have been issued to the authenticated client. The foreign
    // request must not count as a reuse: that would revoke the grant of the client it belongs to.
    const rp = await relyingParty(server, 'Victim');
    const thief = await relyingParty(server, 'Thief');
    const right = verifier();
    const code = await codeFor(server, rp, s256(right));

    expect(answered(await exchange(server, thief, { code, code_verifier: right }))).toEqual({ status: 400, body: CODE_REFUSED });
    const rightful = await exchange(server, rp, { code, code_verifier: right });
    expect(rightful.status).toBe(200);
    expect(await introspect(server, rp, rightful.body.access_token as string)).toMatchObject({ active: true, client_id: rp.client_id });
  });

  it('refuses a code issued without PKCE to another client, and leaves it to its own client', async () => {
    // With [oauth.pkce] required = false no verifier binds the code: the client binding is all there is.
    const rp = await relyingParty(lax, 'Victim');
    const thief = await relyingParty(lax, 'Thief');
    const code = await codeFor(lax, rp);

    expect(answered(await exchange(lax, thief, { code }))).toEqual({ status: 400, body: CODE_REFUSED });
    const rightful = await exchange(lax, rp, { code });
    expect(rightful.status).toBe(200);
    expect(await introspect(lax, rp, rightful.body.access_token as string)).toMatchObject({ active: true, client_id: rp.client_id });
  });

  it('refuses a code older than code_ttl as invalid, not as a reuse', async () => {
    const short = await startServer({ ...FAST_SCRYPT, oauth: { grant_type: { authorization_code: { code_ttl: 1 } } } });
    try {
      const rp = await relyingParty(short, 'Slow');
      const right = verifier();
      const code = await codeFor(short, rp, s256(right));
      // Expiry is checked in whole seconds: past 1 s whatever the fraction the code was issued at.
      await new Promise((resolve) => setTimeout(resolve, 2100));
      expect(answered(await exchange(short, rp, { code, code_verifier: right }))).toEqual({ status: 400, body: CODE_REFUSED });
      // An expired code is no sign of theft: counted as invalid (docs/reason-codes.md), its grant not revoked as for a reuse.
      const metrics = await (await fetch(`${short.url}/metrics`)).text();
      expect(metrics).toMatch(/^grantry_token_failures_total\{reason="grant_code_invalid",tenant="[^"]+"\} 1$/m);
      expect(metrics).not.toMatch(/grantry_token_failures_total\{reason="grant_code_reused",tenant="[^"]+"\}/);
    } finally {
      await stopServer(short);
    }
    // A server of its own (migrations included) and a wait: room on a busy machine.
  }, 60_000);
});
