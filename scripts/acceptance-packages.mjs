#!/usr/bin/env node
/**
 * `npm run acceptance:packages` — the packages as a user gets them (issue 30). CI runs it once,
 * after the SQLite leg (.ci/run); it installs from the npm registry into fresh folders outside
 * the repository and takes minutes (better-sqlite3 compiles for the server's folder).
 *
 * 1. Builds, then `npm pack`s grantry, @grantry/resource-server, @grantry/plugin-sdk and
 *    @grantry/plugin-testing into a temporary folder.
 * 2. Server: installs the grantry tarball, creates a client with the installed `grantry` bin,
 *    starts `grantry start --port 0` and gets a client_credentials token from it.
 * 3. APIs: a tiny Nest 11 app on Express and a Nest 12 app on Fastify, each with only
 *    @grantry/resource-server (tarball) and its own Nest: 401 without a token, 200 with one,
 *    403 insufficient_scope with a token lacking the route's scope; neither has better-sqlite3
 *    nor a second @nestjs/core in its tree.
 * 4. A plugin's folder: @grantry/plugin-sdk and @grantry/plugin-testing (and grantry) installed,
 *    its test runs with `node --test` against the kit's in-process server.
 * 5. A TypeScript plugin's folder with @grantry/plugin-sdk alone (and typescript, @types/node):
 *    it compiles strict, without skipLibCheck, and nothing of Nest or TypeORM is in its tree.
 * Prints one line per check and `N passed, N failed (M s)`; everything it started is stopped and
 * its folders removed at the end, also when it is interrupted (KEEP=1 keeps the folders).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'grantry-packages-'));
const children = [];
const begun = Date.now();
let passed = 0;
let failed = 0;

/** Stops every child it started and removes its folders: once, at the end or on a signal (CI's timeout). */
let released;
function release() {
  return (released ??= (async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    if (!process.env.KEEP) rmSync(work, { recursive: true, force: true });
    else process.stdout.write(`kept ${work}\n`);
  })());
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    process.stdout.write(`interrupted (${signal}) after ${Math.round((Date.now() - begun) / 1000)} s: ${passed} passed, ${failed} failed so far\n`);
    release().finally(() => process.exit(1));
  });
}

function run(command, args, cwd, extraEnv = {}) {
  return execFileSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
}

function check(what, ok, detail = '') {
  if (ok) passed++;
  else failed++;
  process.stdout.write(`${ok ? 'ok  ' : 'FAIL'} ${what}${ok || !detail ? '' : `: ${detail}`}\n`);
}

function folder(name, dependencies) {
  const dir = join(work, name);
  execFileSync('mkdir', ['-p', dir]);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `acceptance-${name}`, version: '1.0.0', private: true, dependencies }, null, 2));
  const started = Date.now();
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], dir);
  process.stdout.write(`     (${name}: npm install took ${Math.round((Date.now() - started) / 1000)} s)\n`);
  return dir;
}

/** Spawns a server and resolves with its URL once `pattern` (capturing the URL) appears in its output. */
function serve(command, args, cwd, pattern) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let output = '';
    const timer = setTimeout(() => reject(new Error(`no start within 120 s:\n${output}`)), 120_000);
    const read = (text) => {
      output += text;
      const match = pattern.exec(output);
      if (match) (clearTimeout(timer), resolve(match[1]));
    };
    child.stdout.setEncoding('utf8').on('data', read);
    child.stderr.setEncoding('utf8').on('data', read);
    child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`exited (${code}) before it served:\n${output}`))));
  });
}

function treeHas(dir, name) {
  try {
    const tree = JSON.parse(run('npm', ['ls', name, '--all', '--json'], dir));
    const versions = new Set();
    const walk = (node) => {
      for (const [dep, child] of Object.entries(node.dependencies ?? {})) {
        if (dep === name && child.version) versions.add(child.version);
        walk(child);
      }
    };
    walk(tree);
    return [...versions];
  } catch {
    return [];
  }
}

/** A Nest app in plain JavaScript (decorators applied as functions): GET /orders needs orders:read. */
const API = (platform) => `
require('reflect-metadata');
const { Controller, Get, Module, UseGuards } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const { AccessTokenGuard, AccessTokenPrincipal, RequiredScopes, ResourceServerModule } = require('@grantry/resource-server');
${platform === 'fastify' ? "const { FastifyAdapter } = require('@nestjs/platform-fastify');" : ''}

class OrdersController {
  list(principal) { return { subject: principal.subject }; }
}
const list = Object.getOwnPropertyDescriptor(OrdersController.prototype, 'list');
AccessTokenPrincipal()(OrdersController.prototype, 'list', 0);
RequiredScopes('orders:read')(OrdersController.prototype, 'list', list);
Get()(OrdersController.prototype, 'list', list);
Controller('orders')(OrdersController);
UseGuards(AccessTokenGuard)(OrdersController);

class AppModule {}
Module({
  imports: [ResourceServerModule.forRoot({ authority: process.env.AUTHORITY, audience: process.env.AUDIENCE, allowInsecureHttp: true })],
  controllers: [OrdersController],
})(AppModule);

(async () => {
  const app = await NestFactory.create(AppModule${platform === 'fastify' ? ', new FastifyAdapter()' : ''}, { logger: ['error'] });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address();
  console.log('api listening on http://127.0.0.1:' + port);
  const stop = () => app.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
})();
`;

const PLUGIN = `module.exports = class DemoGrant {
  async handle({ params }) { return { subject: params.user, scopes: ['demo'] }; }
};
`;

const PLUGIN_TEST = `
const test = require('node:test');
const assert = require('node:assert');
const { startTestServer } = require('@grantry/plugin-testing');

test('the plugin issues a token through the test kit', async () => {
  const name = 'urn:example:params:oauth:grant-type:demo';
  const server = await startTestServer({ toml: { oauth: { custom_grant_type: [{ name, grant_handler: require.resolve('./demo-grant.js') }] } } });
  try {
    const client = await server.createClient({ grant_types: [name], scope: 'demo' });
    const { status, body } = await server.token({ grant_type: name, user: 'alice' }, client);
    assert.strictEqual(status, 200);
    assert.strictEqual(body.scope, 'demo');
  } finally {
    await server.close();
  }
});
`;

/** A grant and an authenticator written against the SDK's types only: every service a plugin gets, strict. */
const PLUGIN_TYPES = `import type { GrantResult, PluginAuthenticateOptions, PluginClient, PluginContext, PluginGrantContext, TokenRequest } from '@grantry/plugin-sdk';

export class DemoGrant {
  constructor(private readonly context: PluginContext) {}

  async handle({ params, client, tenant, signal }: PluginGrantContext): Promise<GrantResult> {
    const { services, logger } = this.context;
    const info = await services.tokens.lookup(String(params.subject_token));
    if (!info || info.senderConstraint.kind !== 'none') throw services.OAuthError.invalidGrant('subject_token is not active');
    const user = await services.users.findById(info.subject);
    const certificate = await services.truststore.find(client.clientId);
    const document = await services.fetch.json(\`https://example.com/\${tenant.domain}\`);
    logger.log(\`exchange for \${client.clientId}\`, { scopes: [...client.scopes], certificate: certificate?.fingerprint256, document });
    await fetch('https://example.com', { signal });
    return { principal: { subject: user?.id ?? info.subject }, scopes: info.scopes, notAfter: info.expiresAt, consume: [{ issuer: info.clientId, jti: info.jti ?? '', expiresAt: info.expiresAt }] };
  }
}

export class DemoAuthenticator {
  readonly method = 'demo';
  constructor(private readonly context: PluginContext) {}

  canAuthenticate(request: TokenRequest): boolean {
    return typeof request.headers['x-demo-client'] === 'string' || request.clientCertificate?.x509.subject !== undefined;
  }

  async authenticate(request: TokenRequest, { tenant, signal }: PluginAuthenticateOptions): Promise<{ client: PluginClient }> {
    signal.throwIfAborted();
    const client = await this.context.services.clients.find(String(request.headers['x-demo-client']));
    if (!client || tenant.properties.disabled === true) throw this.context.services.OAuthError.invalidClient();
    return { client };
  }
}
`;

const PLUGIN_TSCONFIG = {
  compilerOptions: { strict: true, noEmit: true, skipLibCheck: false, target: 'es2022', lib: ['es2022'], types: ['node'], module: 'commonjs', moduleResolution: 'node10' },
  files: ['plugin.ts'],
};

async function token(url, client, scope) {
  const response = await fetch(`${url}/oauth2/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope }),
  });
  return { status: response.status, body: await response.json() };
}

try {
  // 1. Pack.
  run('npm', ['run', '--silent', 'build'], ROOT);
  run('npm', ['run', '--silent', 'build:packages'], ROOT);
  const packs = join(work, 'packs');
  execFileSync('mkdir', ['-p', packs]);
  for (const where of ['.', 'packages/resource-server', 'packages/plugin-sdk', 'packages/plugin-testing']) {
    run('npm', ['pack', '--ignore-scripts', '--pack-destination', packs, join(ROOT, where)], ROOT);
  }
  const tarball = (prefix) => join(packs, readdirSync(packs).find((file) => file.startsWith(prefix)));
  const tarballs = { grantry: tarball('grantry-0'), rs: tarball('grantry-resource-server-'), sdk: tarball('grantry-plugin-sdk-'), testing: tarball('grantry-plugin-testing-') };
  check('npm pack made four tarballs', Object.values(tarballs).every(Boolean), JSON.stringify(tarballs));

  // 2. The server from the installed bin.
  const server = folder('server', { grantry: `file:${tarballs.grantry}` });
  const bin = join(server, 'node_modules', '.bin', 'grantry');
  check('grantry --version from the installed bin', /^grantry \d/.test(run(bin, ['--version'], server)));
  const client = JSON.parse(run(bin, ['clients', 'create', '--name', 'api-caller', '--grant-type', 'client_credentials', '--scope', 'orders:read other', '--json'], server));
  const url = await serve(bin, ['start', '--port', '0'], server, /listening on (http:\/\/[^\s"]+)/);
  const full = await token(url, client, 'orders:read');
  const narrow = await token(url, client, 'other');
  check('the installed server issues a token', full.status === 200 && typeof full.body.access_token === 'string', JSON.stringify(full));

  // 3. Nest 11 (Express) and Nest 12 (Fastify) APIs with @grantry/resource-server alone.
  for (const [major, platform] of [['11', 'express'], ['12', 'fastify']]) {
    const name = `nest${major}-${platform}`;
    const dir = folder(name, {
      '@grantry/resource-server': `file:${tarballs.rs}`,
      '@nestjs/common': `^${major}`,
      '@nestjs/core': `^${major}`,
      [`@nestjs/platform-${platform}`]: `^${major}`,
      'reflect-metadata': '^0.2.2',
      rxjs: '^7.8.2',
    });
    writeFileSync(join(dir, 'main.js'), API(platform));
    const nestCores = treeHas(dir, '@nestjs/core');
    check(`${name}: one @nestjs/core (${nestCores.join(', ')})`, nestCores.length === 1 && nestCores[0].startsWith(`${major}.`));
    check(`${name}: no better-sqlite3 in the tree`, treeHas(dir, 'better-sqlite3').length === 0);
    const child = spawn(process.execPath, ['main.js'], { cwd: dir, env: { ...process.env, AUTHORITY: url, AUDIENCE: client.client_id }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let output = '';
    const apiUrl = await new Promise((resolve, reject) => {
      const read = (text) => {
        output += text;
        const match = /api listening on (http:\/\/\S+)/.exec(output);
        if (match) resolve(match[1]);
      };
      child.stdout.setEncoding('utf8').on('data', read);
      child.stderr.setEncoding('utf8').on('data', read);
      child.once('exit', (code) => reject(new Error(`${name} exited (${code}):\n${output}`)));
    });
    const get = (accessToken) => fetch(`${apiUrl}/orders`, { headers: accessToken ? { authorization: `Bearer ${accessToken}` } : {} });
    const none = await get();
    check(`${name}: 401 without a token`, none.status === 401, String(none.status));
    const ok = await get(full.body.access_token);
    check(`${name}: 200 with a token`, ok.status === 200, `${ok.status} ${await ok.clone().text()}`);
    const forbidden = await get(narrow.body.access_token);
    check(`${name}: 403 insufficient_scope without the route's scope`, forbidden.status === 403 && /insufficient_scope/.test(forbidden.headers.get('www-authenticate') ?? ''), `${forbidden.status} ${forbidden.headers.get('www-authenticate')}`);
    child.kill('SIGTERM');
  }

  // 4. A plugin's folder: its test with the kit (its types are step 5's).
  const plugin = folder('plugin', {
    '@grantry/plugin-sdk': `file:${tarballs.sdk}`,
    '@grantry/plugin-testing': `file:${tarballs.testing}`,
    grantry: `file:${tarballs.grantry}`,
  });
  writeFileSync(join(plugin, 'demo-grant.js'), PLUGIN);
  writeFileSync(join(plugin, 'demo-grant.test.js'), PLUGIN_TEST);
  try {
    run(process.execPath, ['--test', 'demo-grant.test.js'], plugin);
    check("the plugin's test passes with @grantry/plugin-testing", true);
  } catch (error) {
    check("the plugin's test passes with @grantry/plugin-testing", false, `${error.stdout}${error.stderr}`);
  }

  // 5. A TypeScript plugin against the SDK alone: no grantry, no Nest, no skipLibCheck.
  const typed = folder('plugin-types', { '@grantry/plugin-sdk': `file:${tarballs.sdk}`, typescript: '~5.9', '@types/node': '^20.19.0' });
  writeFileSync(join(typed, 'plugin.ts'), PLUGIN_TYPES);
  writeFileSync(join(typed, 'tsconfig.json'), JSON.stringify(PLUGIN_TSCONFIG, null, 2));
  const foreign = ['@nestjs/common', '@nestjs/core', 'typeorm', 'pino', 'prom-client', 'fastify', 'grantry'].filter((name) => treeHas(typed, name).length);
  check('@grantry/plugin-sdk installs alone (no Nest, TypeORM, pino, prom-client, fastify or grantry)', foreign.length === 0, foreign.join(', '));
  const tsc = join(typed, 'node_modules', '.bin', 'tsc');
  for (const resolution of [['--module', 'commonjs', '--moduleResolution', 'node10'], ['--module', 'nodenext', '--moduleResolution', 'nodenext']]) {
    try {
      run(tsc, ['-p', 'tsconfig.json', ...resolution], typed);
      check(`a TypeScript plugin compiles against @grantry/plugin-sdk alone (strict, no skipLibCheck, ${resolution[3]})`, true);
    } catch (error) {
      check(`a TypeScript plugin compiles against @grantry/plugin-sdk alone (strict, no skipLibCheck, ${resolution[3]})`, false, `${error.stdout}${error.stderr}`);
    }
  }
} catch (error) {
  check('the run finished', false, error?.stack ?? String(error));
} finally {
  await release();
  process.stdout.write(`${passed} passed, ${failed} failed (${Math.round((Date.now() - begun) / 1000)} s)\n`);
  process.exitCode = failed ? 1 : 0;
}
