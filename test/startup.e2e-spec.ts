import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeText } from './support/certificates';
import { cli, grantryStart } from './support/cli';
import { freePort } from './support/server';

describe('start-up failures are one clear message and a non-zero exit', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'grantry-startup-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const file = (toml: string) => writeText(dir, `c${randomBytes(4).toString('hex')}.toml`, toml);

  /** `grantry start` in-process; a start that unexpectedly succeeds is stopped before the test ends. */
  async function start(toml: string, env: Record<string, string> = {}) {
    const stop = new AbortController();
    const started = cli(['start', '--config', file(toml)], env, stop.signal);
    // A failure answers long before this; a server that came up is stopped and the test fails on its exit code.
    const timer = setTimeout(() => stop.abort(), 10_000);
    try {
      return await started;
    } finally {
      clearTimeout(timer);
      stop.abort();
    }
  }

  it('names an unknown key', async () => {
    const { status, stderr } = await start('[server]\nprot = 8080\n');
    expect(status).toBe(1);
    expect(stderr).toMatch(/invalid configuration\n {2}- server\.prot: unknown key \(did you mean port\?\)\n$/);
  });

  it('names the key, the value and what is allowed, without a stack trace', async () => {
    const { status, stderr } = await start('[oauth.token]\nsigning_alg = "HS256"\naccess_token_ttl = "soon"\n');
    expect(status).toBe(1);
    expect(stderr).toContain('oauth.token.signing_alg = "HS256": must be one of the following values: RS256, PS256, ES256, EdDSA');
    expect(stderr).toContain('oauth.token.access_token_ttl = "soon": must be an integer');
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('gives the line of a TOML syntax error', async () => {
    const { status, stderr } = await start('[server]\nport = \n');
    expect(status).toBe(1);
    expect(stderr).toMatch(/TOML syntax error at line 2/);
  });

  it('names an unset $env{} variable', async () => {
    const { status, stderr } = await start('[keystore]\nfile = "k.p12"\npassword = "$env{NO_SUCH_VARIABLE}"\n');
    expect(status).toBe(1);
    expect(stderr).toMatch(/keystore\.password: environment variable NO_SUCH_VARIABLE is not set/);
  });

  it('refuses a malformed master key without printing it, and an unknown grant type open to registration, as config check does', async () => {
    const short = await start('[database]\nurl = "sqlite::memory:"\n[security]\nmaster_key = "short-secret"\n');
    expect(short).toEqual({ status: 1, stdout: '', stderr: expect.stringMatching(/invalid configuration\n {2}- security\.master_key: the master key must be 32 bytes, base64 or base64url encoded\n$/) });
    expect(short.stderr).not.toContain('short-secret');
    const fromEnv = await start('[database]\nurl = "sqlite::memory:"\n', { GRANTRY_MASTER_KEY: 'short-secret' });
    expect(fromEnv.stderr).toMatch(/\n {2}- GRANTRY_MASTER_KEY: the master key must be 32 bytes, base64 or base64url encoded\n$/);
    const typo = await start(`[logging]\nlevel = "error"\n[database]\nurl = "sqlite::memory:"\n[security]\nmaster_key = "${'A'.repeat(43)}"\n[oauth.registration]\nallowed_grant_types = ["refresh-token"]\n`);
    expect(typo.status).toBe(1);
    expect(typo.stderr).toContain('oauth.registration.allowed_grant_types[0] = "refresh-token": unknown grant type (did you mean refresh_token?)');
  });

  it('refuses a keystore with an RSA-1024 key (RFC 7518 §3.3)', async () => {
    const weak = join(dir, 'weak.pem');
    execFileSync('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024', '-out', weak], { stdio: 'ignore' });
    const { status, stderr } = await start(`[logging]\nlevel = "error"\n[database]\nurl = "sqlite::memory:"\n[security]\nmaster_key = "${'A'.repeat(43)}"\n[keystore]\nfile = "${weak}"\n`);
    expect(status).toBe(1);
    expect(stderr).toBe('grantry: RSA key of 1024 bits refused: at least 2048 bits are required (RFC 7518 §3.3)\n');
  });

  it('serves until stopped, then frees its port', async () => {
    const port = await freePort();
    const stop = new AbortController();
    const started = cli(['start', '--config', file(`[server]\nhost = "127.0.0.1"\nport = ${port}\n[logging]\nlevel = "error"\n[database]\nurl = "sqlite::memory:"\n[security]\nmaster_key = "${'A'.repeat(43)}"\n`)], {}, stop.signal);
    try {
      let status: number | undefined;
      for (const deadline = Date.now() + 10_000; status === undefined && Date.now() < deadline; ) {
        status = await fetch(`http://127.0.0.1:${port}/health`).then(
          (response) => response.status,
          () => new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 100)),
        );
      }
      expect(status).toBe(200);
    } finally {
      stop.abort();
    }
    expect(await started).toEqual({ status: 0, stdout: '', stderr: '' });
    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
  });

  it('exits the npm start process with 1 and one line on stderr (spawned)', () => {
    const config = file('[server]\nprot = 8080\n');
    expect(grantryStart(['--config', config], {}, dir)).toEqual({ status: 1, stdout: '', stderr: `grantry: ${config}: invalid configuration\n  - server.prot: unknown key (did you mean port?)\n` });
  });
});
