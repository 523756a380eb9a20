import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeText } from './support/certificates';
import { grantryStart } from './support/cli';

describe('start-up failures are one clear message and a non-zero exit', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'grantry-startup-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function start(toml: string, env: Record<string, string> = {}) {
    return grantryStart(['--config', writeText(dir, `c${Math.random()}.toml`, toml)], env, dir);
  }

  it('names an unknown key', () => {
    const { status, stderr } = start('[server]\nprot = 8080\n');
    expect(status).toBe(1);
    expect(stderr).toMatch(/invalid configuration\n {2}- server\.prot: unknown key\n$/);
  });

  it('names the key, the value and what is allowed', () => {
    const { status, stderr } = start('[oauth.token]\nsigning_alg = "HS256"\naccess_token_ttl = "soon"\n');
    expect(status).toBe(1);
    expect(stderr).toContain('oauth.token.signing_alg = "HS256": must be one of the following values: RS256, PS256, ES256, EdDSA');
    expect(stderr).toContain('oauth.token.access_token_ttl = "soon": must be an integer');
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('gives the line of a TOML syntax error', () => {
    const { status, stderr } = start('[server]\nport = \n');
    expect(status).toBe(1);
    expect(stderr).toMatch(/TOML syntax error at line 2/);
  });

  it('names an unset $env{} variable', () => {
    const { status, stderr } = start('[keystore]\nfile = "k.p12"\npassword = "$env{NO_SUCH_VARIABLE}"\n');
    expect(status).toBe(1);
    expect(stderr).toMatch(/keystore\.password: environment variable NO_SUCH_VARIABLE is not set/);
  });

  it('refuses a keystore with an RSA-1024 key', () => {
    const weak = join(dir, 'weak.pem');
    execFileSync('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024', '-out', weak], { stdio: 'ignore' });
    const { status, stderr } = start(`[database]\nurl = "sqlite::memory:"\n[security]\nmaster_key = "${'A'.repeat(43)}"\n[keystore]\nfile = "${weak}"\n`);
    expect(status).toBe(1);
    expect(stderr).toContain('RSA key of 1024 bits refused');
  });
});
