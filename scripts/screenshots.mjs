#!/usr/bin/env node
// The README's screenshots of the sign-in pages (docs/login.png, docs/consent.png, docs/error.png):
// builds grantry, starts dist/main.js on a free port with a temporary SQLite database, registers
// a client and a user through the CLI (dist/cli/main.js ... --json), walks the pages in Debian's
// Chromium (playwright-core; apt-get install -y chromium) and stops everything it started.
// Anything Chromium complains about on the pages (a CSP refusal, a script error) fails the run.
//
//   npm run screenshots
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DOCS = join(ROOT, 'docs');
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];
const VIEWPORT = { width: 1000, height: 700 };
const USERNAME = 'alice';
const PASSWORD = 'correct horse battery';

const cleanups = []; // run last-first by cleanUp(), whatever happened
let cleaning;
const cleanUp = () =>
  (cleaning ??= (async () => {
    for (const release of cleanups.splice(0).reverse()) {
      await release().catch((error) => console.error(`screenshots: clean-up failed: ${error.message}`));
    }
  })());
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => void cleanUp().finally(() => process.exit(130)));
}

function step(text) {
  console.log(`screenshots: ${text}`);
}

/** A port free right now (grantry needs it before it listens: it is in the config file). */
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** The client's redirect URI: a small "signed in" page on 127.0.0.1 (a loopback http URI). */
async function startCallbackServer() {
  const server = createServer((request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', connection: 'close' });
    response.end('<!DOCTYPE html><html><head><title>signed in</title></head><body><p>signed in</p></body></html>');
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  cleanups.push(() => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
  return `http://127.0.0.1:${server.address().port}`;
}

/** `grantry start` from dist, stopped with SIGTERM (then SIGKILL after 10 s) at clean-up. */
async function startGrantry(configPath, issuer) {
  const child = spawn(process.execPath, [join(ROOT, 'dist/main.js'), '--config', configPath], {
    cwd: dirname(configPath),
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
  cleanups.push(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`grantry exited at start-up (${await exited}):\n${output}`);
    const ready = await fetch(`${issuer}/health/ready`).then((response) => response.ok, () => false);
    if (ready) return;
    if (Date.now() > deadline) throw new Error(`grantry was not ready within 30 s:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** `grantry <args> --config <file> --json`, from dist; returns the parsed JSON. */
function cli(configPath, args, env = {}) {
  const result = spawnSync(process.execPath, [join(ROOT, 'dist/cli/main.js'), ...args, '--config', configPath, '--json'], {
    cwd: dirname(configPath),
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (result.status !== 0) throw new Error(`grantry ${args.slice(0, 2).join(' ')} failed (${result.status ?? result.signal}):\n${result.stderr}${result.stdout}`);
  return JSON.parse(result.stdout);
}

const base64url = (bytes) => Buffer.from(bytes).toString('base64url');

async function main() {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run \`apt-get install -y chromium\``);

  step('npm run build');
  const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) throw new Error(`npm run build failed (${build.status ?? build.signal})`);

  const dir = mkdtempSync(join(tmpdir(), 'grantry-screenshots-'));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const configPath = join(dir, 'deployment.toml');
  writeFileSync(configPath, [
    '[server]',
    'host = "127.0.0.1"',
    `port = ${port}`,
    `base_url = "${issuer}"`,
    '[database]',
    `url = "sqlite:${join(dir, 'grantry.sqlite')}"`,
    '[security]',
    `master_key = "${randomBytes(32).toString('base64url')}"`,
    '[users]',
    'scrypt_log_n = 14',
    'scrypt_p = 1',
    '[logging]',
    'level = "warn"',
    '',
  ].join('\n'));

  const callback = await startCallbackServer();
  const redirectUri = `${callback}/cb`;
  step(`starting grantry on ${issuer} (SQLite in ${dir})`);
  await startGrantry(configPath, issuer);

  const client = cli(configPath, ['clients', 'create', '--name', 'Shop', '--grant-type', 'authorization_code', '--redirect-uri', redirectUri, '--scope', 'openid profile email']);
  cli(configPath, ['users', 'create', '--username', USERNAME, '--password-env', 'SCREENSHOT_PASSWORD', '--claim', 'name=Alice Example', '--claim', 'email=alice@example.com'], { SCREENSHOT_PASSWORD: PASSWORD });
  step(`client ${client.client_id} and user ${USERNAME} created`);

  const verifier = base64url(randomBytes(32));
  const state = base64url(randomBytes(16));
  const authorize = (clientId) => {
    const url = new URL('/oauth2/authorize', issuer);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: redirectUri,
      scope: 'openid profile email',
      state,
      nonce: base64url(randomBytes(16)),
      code_challenge: base64url(createHash('sha256').update(verifier).digest()),
      code_challenge_method: 'S256',
    }).toString();
    return url.toString();
  };

  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
  cleanups.push(() => browser.close());
  const context = await browser.newContext({ viewport: VIEWPORT, deviceScaleFactor: 1, colorScheme: 'light', locale: 'en-US' });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  const complaints = [];
  let errorPageUrl; // the error page answers 400, which Chromium logs for the document: expected there
  page.on('console', (message) => {
    if (message.type() !== 'error' && message.type() !== 'warning') return;
    if (message.location().url === errorPageUrl && /^Failed to load resource: .* status of 400\b/.test(message.text())) return;
    complaints.push(`${message.type()} on ${page.url()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => complaints.push(`pageerror on ${page.url()}: ${error.message}`));

  mkdirSync(DOCS, { recursive: true });
  const shoot = async (name) => {
    await page.screenshot({ path: join(DOCS, name), fullPage: false });
    step(`docs/${name} (${new URL(page.url()).pathname})`);
  };

  await page.goto(authorize(client.client_id));
  await page.locator('input[name="username"]').waitFor();
  await page.locator('input[name="username"]').fill(USERNAME);
  await page.locator('input[name="password"]').fill(PASSWORD);
  await page.locator('input[name="password"]').blur(); // no focus ring or caret in the picture
  await shoot('login.png');

  await page.locator('form button[type="submit"]').click();
  await page.locator('button[name="decision"][value="approve"]').waitFor();
  await shoot('consent.png');

  // The pictures are only worth taking of a flow that works: approve, and land on the client.
  await page.locator('button[name="decision"][value="approve"]').click();
  await page.waitForURL((url) => url.href.startsWith(`${redirectUri}?`) && url.searchParams.get('state') === state && url.searchParams.has('code'));
  step('approved: landed on the redirect URI with a code');

  // Unknown client_id: the request cannot go back to any client, so grantry shows its error page.
  errorPageUrl = authorize('no-such-client');
  const answer = await page.goto(errorPageUrl);
  if (answer?.status() !== 400) throw new Error(`expected the error page with status 400, got ${answer?.status()}`);
  await page.locator('h1').waitFor();
  await shoot('error.png');

  if (complaints.length) throw new Error(`Chromium complained about the pages:\n  ${complaints.join('\n  ')}`);
  step('no console errors, CSP violations or script errors');
}

let status = 0;
try {
  await main();
} catch (error) {
  console.error(`screenshots: ${error instanceof Error ? error.message : String(error)}`);
  status = 1;
} finally {
  await cleanUp();
}
process.exit(status);
