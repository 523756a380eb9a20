import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { BuiltServer, startBuiltServer } from './support/built-server';
import { TestBrowser } from './support/browser';

const ROOT = join(__dirname, '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
/** Where the README's samples say the server is; replaced by where the test's server listens. */
const README_URL = 'http://localhost:8080';
const ALICE_PASSWORD = 'correct horse battery staple';

/** The code block the README marks with `<!-- readme-sample: NAME -->` on the line before its fence. */
function sample(name: string): { lang: string; code: string } {
  const pattern = new RegExp(`^<!-- readme-sample: ${name} -->\\n\`\`\`(\\w+)\\n([\\s\\S]*?)^\`\`\`$`, 'gm');
  const found = [...README.matchAll(pattern)];
  if (found.length !== 1) throw new Error(`README.md has ${found.length} samples marked ${name}`);
  return { lang: found[0][1], code: found[0][2] };
}

/** One command of a shell sample (continued lines joined), and the output documented under it (`# {...}`). */
interface ShellCommand {
  text: string;
  documented?: string;
}

function commandsOf(code: string): ShellCommand[] {
  const commands: ShellCommand[] = [];
  let continued = false;
  for (const line of code.split('\n')) {
    if (continued) {
      commands[commands.length - 1].text += `\n${line}`;
    } else if (/^#\s*\{/.test(line) && commands.length) {
      commands[commands.length - 1].documented = line;
    } else if (line.trim() && !line.trimStart().startsWith('#')) {
      commands.push({ text: line });
    }
    continued = line.endsWith('\\');
  }
  return commands;
}

/**
 * Runs a shell sample as written, in one bash, with only what a reader would replace replaced:
 * `http://localhost:8080` by the test server's URL, and the placeholders `CLIENT_ID:CLIENT_SECRET`
 * (and `ADMIN_ID:ADMIN_SECRET`) by the client the sample created last. `npx grantry` is the built
 * CLI (npx itself would look for grantry outside this checkout: the samples run in a deployment
 * directory of their own). Returns each command's output; a failing command fails the sample.
 */
async function runShell(code: string, cwd: string, url: string, env: Record<string, string> = {}): Promise<{ command: ShellCommand; output: string }[]> {
  const commands = commandsOf(code);
  const END = '@@readme-sample: end of command';
  const prelude = `set -eo pipefail
npx() {
  if [ "$1" != grantry ]; then echo "readme sample: npx $1 is not the grantry CLI" >&2; return 127; fi
  shift
  local out
  out=$(node "$GRANTRY_ROOT/dist/cli/main.js" "$@")
  printf '%s\\n' "$out"
  if [ "$1 $2" = "clients create" ]; then
    README_CLIENT_ID=$(printf '%s' "$out" | node -pe 'JSON.parse(require("fs").readFileSync(0)).client_id')
    README_CLIENT_SECRET=$(printf '%s' "$out" | node -pe 'JSON.parse(require("fs").readFileSync(0)).client_secret')
  fi
}
`;
  const script = commands
    .map(({ text }) => {
      const substituted = text.split(README_URL).join(url).replace(/'(CLIENT|ADMIN)_ID:\1_SECRET'/g, '"$README_CLIENT_ID:$README_CLIENT_SECRET"');
      return `${substituted}\nprintf '\\n%s\\n' '${END}'`;
    })
    .join('\n');
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile('bash', ['-c', prelude + script], { cwd, env: { PATH: process.env.PATH, HOME: process.env.HOME, GRANTRY_ROOT: ROOT, ...env }, timeout: 180_000 }, (error, out, err) =>
      error ? reject(new Error(`the sample failed: ${error.message}\n--- stdout\n${out}\n--- stderr\n${err}`)) : resolve(out),
    ),
  );
  const outputs = stdout.split(`\n${END}\n`).slice(0, commands.length);
  expect(outputs).toHaveLength(commands.length);
  return commands.map((command, i) => ({ command, output: outputs[i].trim() }));
}

/**
 * Where an output differs from what the README documents under its command: `# {"a":"x...",
 * "b":3600, ...}` means a JSON object with `a` a non-empty string (a value ending in `...` is an
 * example), `b` exactly 3600, and — without a trailing `...` member — no other member.
 */
function differences(output: string, documented: string): string[] {
  const template = documented.slice(documented.indexOf('{'), documented.lastIndexOf('}') + 1);
  let actual: Record<string, unknown>;
  try {
    actual = JSON.parse(output) as Record<string, unknown>;
  } catch {
    return [`not JSON: ${output}`];
  }
  const members = [...template.matchAll(/"([^"]+)"\s*:\s*("(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?|true|false|null)/g)].map(([, key, value]) => ({ key, value }));
  const problems = members.flatMap(({ key, value }) => {
    if (/^".*\.\.\."$/.test(value)) return typeof actual[key] === 'string' && actual[key] !== '' ? [] : [`${key}: ${JSON.stringify(actual[key])} is not a string`];
    return JSON.stringify(actual[key]) === JSON.stringify(JSON.parse(value)) ? [] : [`${key}: ${JSON.stringify(actual[key])}, documented ${value}`];
  });
  if (!/,\s*\.\.\.\s*\}$/.test(template)) {
    const extra = Object.keys(actual).filter((key) => !members.some((member) => member.key === key));
    if (extra.length) problems.push(`undocumented members: ${extra.join(', ')}`);
  }
  return problems;
}

/** Every command's output is what the README documents under it (those that document one). */
function expectDocumentedOutputs(results: { command: ShellCommand; output: string }[]): void {
  const documented = results.filter(({ command }) => command.documented);
  expect(documented.length).toBeGreaterThan(0);
  for (const { command, output } of documented) expect({ command: command.text, differences: differences(output, command.documented!) }).toEqual({ command: command.text, differences: [] });
}

/**
 * Runs a JavaScript sample as an ES module with Node, from this checkout (so `jose` and
 * `openid-client` resolve as in a project that depends on them), after `prelude` (which gives
 * the names a reader fills in) and before `epilogue`.
 */
function runModule(code: string, prelude: string, epilogue: string, env: Record<string, string> = {}) {
  return spawn(process.execPath, ['--input-type=module', '-e', `${prelude}\n${code}\n${epilogue}`], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** The module's output lines as they come, its stderr, and its exit. */
function watch(child: ReturnType<typeof runModule>) {
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async (): Promise<string> => {
    const { value, done } = await lines.next();
    if (done) throw new Error(`the sample ended early (exit ${await exited}):\n${stderr}`);
    return value as string;
  };
  return { next, exited, stderr: () => stderr };
}

/**
 * The README's samples, run as written against the built server started as the README says
 * (`npm start`, i.e. `node dist/main.js`, in a deployment directory of its own: SQLite at
 * data/grantry.sqlite, the master key created at first start, config/deployment.toml), so that
 * the README cannot drift from what grantry does. The samples name the default SQLite set-up; the
 * SQLite leg of CI runs them (on the other legs DATABASE_URL would point them at a shared database).
 */
(process.env.DATABASE_URL ? describe.skip : describe)('the README samples, as written', () => {
  let dir: string;
  let server: BuiltServer;
  let accessToken: string;
  let shop: { client_id: string; client_secret: string };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'grantry-readme-'));
    // The password grant's sample starts from the configuration the README shows for it.
    const config = sample('password-grant-config');
    expect(config.lang).toBe('toml');
    mkdirSync(join(dir, 'config'));
    writeFileSync(join(dir, 'config', 'deployment.toml'), config.code);
    // PORT=0: a free port, read from the start-up line (npm start serves 8080 by default).
    server = await startBuiltServer({ script: 'dist/main.js', cwd: dir, env: { PORT: '0' } });
  }, 180_000);
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('quick start: registers a client with the CLI and gets a client_credentials token with curl', async () => {
    const { lang, code } = sample('quick-start');
    expect(lang).toBe('sh');
    const results = await runShell(code, dir, server.url);
    expectDocumentedOutputs(results);
    accessToken = (JSON.parse(results[results.length - 1].output) as { access_token: string }).access_token;
  }, 180_000);

  it('verifies the access token with jose against the JWKS', async () => {
    const { lang, code } = sample('verify-access-token');
    expect(lang).toBe('js');
    const run = watch(runModule(code.split(README_URL).join(server.url), 'const accessToken = process.env.ACCESS_TOKEN;', 'console.log(JSON.stringify(payload));', { ACCESS_TOKEN: accessToken }));
    const payload = JSON.parse(await run.next()) as Record<string, unknown>;
    expect(await run.exited).toBe(0);
    expect(payload).toMatchObject({ iss: server.url, scope: 'orders:read', sub: expect.any(String), client_id: payload.sub });
  }, 120_000);

  it('password grant: a user whose password file is made as shown signs in with curl', async () => {
    const { lang, code } = sample('password-grant');
    expect(lang).toBe('sh');
    expectDocumentedOutputs(await runShell(code, dir, server.url, { ALICE_PASSWORD }));
    // What curl sent is exactly the password: no newline came with it.
    expect(readFileSync(join(dir, 'alice-password.txt'), 'utf8')).toBe(ALICE_PASSWORD);
  }, 180_000);

  it('code flow: openid-client with the client the README creates signs alice in and reads userinfo', async () => {
    const registration = sample('code-flow-client');
    const [created] = await runShell(registration.code, dir, server.url);
    shop = JSON.parse(created.output) as typeof shop;
    expect(shop).toMatchObject({ token_endpoint_auth_method: 'client_secret_basic', redirect_uris: ['https://shop.example/callback'] });

    const { lang, code } = sample('code-flow');
    expect(lang).toBe('js');
    // The sample stops where the browser takes over; the test is the browser and hands the callback URL back.
    const [beforeBrowser, afterBrowser] = code.split(/^\/\/ \.\.\. the browser comes back to the callback:\n/m);
    expect(afterBrowser).toBeDefined();
    const module = runModule(
      [beforeBrowser, 'console.log(JSON.stringify({ authorizationUrl: url.href }));', 'const callbackUrl = new URL(await readmeSampleNextLine());', afterBrowser].join('\n').split(README_URL).join(server.url),
      [
        "import { createInterface as readmeSampleLines } from 'node:readline';",
        'const readmeSampleInput = readmeSampleLines({ input: process.stdin })[Symbol.asyncIterator]();',
        'const readmeSampleNextLine = async () => (await readmeSampleInput.next()).value;',
        'const CLIENT_ID = process.env.CLIENT_ID;',
        'const CLIENT_SECRET = process.env.CLIENT_SECRET;',
      ].join('\n'),
      'console.log(JSON.stringify({ sub: tokens.claims().sub, profile })); process.exit(0);',
      { CLIENT_ID: shop.client_id, CLIENT_SECRET: shop.client_secret },
    );
    const run = watch(module);
    try {
      const { authorizationUrl } = JSON.parse(await run.next()) as { authorizationUrl: string };
      expect(authorizationUrl.startsWith(`${server.url}/oauth2/authorize?`)).toBe(true);
      const browser = new TestBrowser(server.url);
      const login = await browser.follow(authorizationUrl);
      expect(login.status).toBe(200);
      let page = await browser.submit(login, { username: 'alice', password: ALICE_PASSWORD });
      if (!page.location?.startsWith('https://shop.example/callback')) page = await browser.submit(page, { decision: 'approve' });
      expect(page.location).toMatch(/^https:\/\/shop\.example\/callback\?/);
      module.stdin!.write(`${page.location}\n`);
      const { sub, profile } = JSON.parse(await run.next()) as { sub: string; profile: Record<string, unknown> };
      expect(await run.exited).toBe(0);
      expect(profile).toMatchObject({ sub, email: 'alice@example.com' });
    } finally {
      module.kill();
    }
  }, 180_000);

  it("answers the method openid-client would use by default (client_secret_post) for that client as it answers an unknown client", async () => {
    const post = (clientId: string, secret: string) =>
      fetch(`${server.url}/oauth2/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret }) }).then(async (response) => ({
        status: response.status,
        body: await response.json(),
      }));
    const refused = { status: 401, body: { error: 'invalid_client', error_description: 'client authentication failed' } };
    // Naming the method mismatch would tell a registered client id from an unknown one.
    expect(await post(shop.client_id, shop.client_secret)).toEqual(refused);
    expect(await post('no-such-client', shop.client_secret)).toEqual(refused);
    const discovery = (await (await fetch(`${server.url}/.well-known/openid-configuration`)).json()) as { token_endpoint_auth_methods_supported: string[] };
    expect(discovery.token_endpoint_auth_methods_supported).toContain('client_secret_basic');
  });

  it('admin API bootstrap: an admin client, its token, and a client created through the API', async () => {
    const { lang, code } = sample('admin-bootstrap');
    expect(lang).toBe('sh');
    const results = await runShell(code, dir, server.url);
    const created = JSON.parse(results[results.length - 1].output) as Record<string, unknown>;
    expect(created).toMatchObject({ client_name: 'orders', grant_types: ['client_credentials'], scope: 'orders:read', client_id: expect.any(String), client_secret: expect.any(String) });
  }, 180_000);

  it('tenants: creates, disables and deletes a tenant with the CLI', async () => {
    const { lang, code } = sample('tenants-cli');
    expect(lang).toBe('sh');
    const [created, disabled, deleted] = await runShell(code, dir, server.url);
    expect(JSON.parse(created.output)).toMatchObject({ domain: 'wso2.com', display_name: 'WSO2', enabled: true, default: false });
    expect(disabled.output).toMatch(/^domain\s+wso2\.com\n[\s\S]*\nenabled\s+false\n/);
    expect(deleted.output).toBe('');
  }, 180_000);
});
