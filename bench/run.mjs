// npm run bench: client_credentials tokens/s of grantry beside the same-run ceiling
// (bench/ceiling.mjs), for RS256 and ES256, with client_secret_basic and with private_key_jwt
// (BENCH_PKJWT=0 skips the latter); then the password grant beside the rate of bare scrypt
// verifications with the same parameters (BENCH_PASSWORD=0 skips it), and introspection
// requests/s (one JWT; a pool of opaque tokens) beside client_credentials tokens/s of the same server (BENCH_INTROSPECTION=0 skips it),
// refresh-token rotation beside the same build's client_credentials tokens/s (BENCH_REFRESH=0 skips it),
// and the authorization code exchange with PKCE and an ID token (BENCH_CODE=0 skips it). A non-default tenant's
// client_credentials tokens (/t/{domain}/oauth2/token, the tenant created at setup) run in the same rounds as the
// default tenant's and the ceiling, printed beside them (BENCH_TENANT=0 skips them); so do DPoP-bound
// client_credentials tokens (RFC 9449: a pre-signed ES256 proof with its own jti per request, each one an
// INSERT), printed beside the bearer tokens of the same rounds (BENCH_DPOP=0 skips them). Profile findings: bench/README.md. Servers run one after the other (2 cores), each
// warmed up, then driven by autocannon over loopback. Set BENCH_SECONDS to change the duration.
// BENCH_OBSERVABILITY=1 runs only the operability comparison instead: client_credentials of the same
// build with JSON logs at info (request lines and audit events, to a file) and metrics on, beside
// [logging] level = "warn" with metrics off, alternated for BENCH_ROUNDS rounds.
// BENCH_WRITES=1 runs only the write-contention comparison instead: opaque access tokens (one INSERT
// each, through the atomic writer), with admin API PATCHes in a loop and a housekeeping sweep every
// second deleting the tokens as they expire, beside the same server without them.
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes, scrypt } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

const useWrk = process.env.BENCH_TOOL !== 'autocannon' && whichWrk();

function whichWrk() {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
    return true;
  } catch (error) {
    return error.status === 1; // wrk --version exits 1 after printing its version
  }
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 32);
const algs = (process.env.BENCH_ALGS ?? 'RS256,ES256').split(',');
// Crypto runs in libuv's threadpool and shares 2 cores with wrk, so one run swings by a quarter:
// alternate grantry and the ceiling for several rounds and compare medians.
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function startProcess(args, readyUrl, stdoutFile) {
  const out = stdoutFile ? openSync(stdoutFile, 'a') : 'ignore';
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', out, 'inherit'] });
  if (stdoutFile) closeSync(out);
  return { child, ready: waitFor(readyUrl, child) };
}

async function waitFor(url, child) {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`${child.spawnargs.join(' ')} exited with ${child.exitCode}`);
    try {
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
      if (response.status) return;
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} did not answer`);
}

async function stop(child) {
  child.kill('SIGTERM');
  await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', resolve)));
}

/**
 * Drives POSTs at `url` for a warm-up and then `seconds`. `bodies` is either one body for every
 * request, or `{ warmup, measured }` arrays used once each (single-use assertions), so the
 * measured run never replays what the warm-up sent.
 */
async function drive(url, headers, bodies, clients = connections) {
  return useWrk ? driveWrk(url, headers, bodies, clients) : driveAutocannon(url, headers, bodies, clients);
}

/** wrk (C, one thread) leaves more of the 2 cores to the server than autocannon does. */
function driveWrk(url, headers, bodies, clients) {
  const script = join(dir, 'post.lua');
  const headerLines = Object.entries({ 'Content-Type': 'application/x-www-form-urlencoded', ...headers }).map(([name, value]) => `wrk.headers["${name}"] = "${value}"`);
  // A pool of header values (one DPoP proof per request) with one body, or a pool of bodies.
  const lua = bodies.header
    ? [
        'wrk.method = "POST"', `wrk.body = "${bodies.body}"`, ...headerLines,
        'local values, i = {}, 0',
        'function init(args) for line in io.lines(args[1]) do values[#values + 1] = line end end',
        `function request() i = i + 1; if i > #values then i = 1 end; wrk.headers["${bodies.header}"] = values[i]; return wrk.format() end`,
      ]
    : typeof bodies === 'string'
    ? ['wrk.method = "POST"', `wrk.body = "${bodies}"`, ...headerLines]
    : [
        'wrk.method = "POST"', ...headerLines,
        'local bodies, i = {}, 0',
        'function init(args) for line in io.lines(args[1]) do bodies[#bodies + 1] = line end end',
        'function request() i = i + 1; if i > #bodies then i = 1 end; return wrk.format(nil, nil, nil, bodies[i]) end',
      ];
  writeFileSync(script, lua.join('\n'));
  const run = (duration, pool) => {
    const extra = [];
    if (pool) {
      const file = join(dir, `pool-${duration}.txt`);
      writeFileSync(file, pool.join('\n'));
      extra.push('--', file);
    }
    return execFileSync('wrk', ['-t1', `-c${clients}`, `-d${duration}s`, '--timeout', '30s', '-s', script, url, ...extra]).toString();
  };
  run(2, bodies.warmup); // warm-up: JIT, caches, connection set-up
  const output = run(seconds, bodies.measured);
  const bad = /Non-2xx or 3xx responses: (\d+)/.exec(output);
  if (bad) throw new Error(`${url}: ${bad[1]} non-2xx answers (pool too small for this machine? raise BENCH_POOL)`);
  return Number(/Requests\/sec:\s+([\d.]+)/.exec(output)[1]);
}

/**
 * Drives refresh_token rotations for a warm-up and then `seconds`: a queue of refresh tokens, each
 * request takes the oldest, each 200 queues its successor. Any other answer, or an answer without
 * a successor, fails the bench: a refused rotation would end a chain and leave a measurement of errors.
 */
async function driveRotation(url, headers, seeds, clients = connections) {
  const body = (token) => `grant_type=refresh_token&refresh_token=${encodeURIComponent(token)}`;
  if (!useWrk) {
    const queue = [...seeds];
    let failures = 0;
    const options = (duration) => ({
      url, method: 'POST', connections: clients, timeout: 30, duration,
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      requests: [{
        setupRequest: (request) => ({ ...request, body: body(queue.shift() ?? 'starved') }),
        onResponse: (status, answer) => {
          const successor = status === 200 ? JSON.parse(answer).refresh_token : undefined;
          if (successor) queue.push(successor);
          else failures++;
        },
      }],
    });
    await autocannon(options(2));
    const result = await autocannon(options(seconds));
    if (failures) throw new Error(`${url}: ${failures} rotations refused`);
    return result.requests.average;
  }
  const script = join(dir, 'rotate.lua');
  const headerLines = Object.entries({ 'Content-Type': 'application/x-www-form-urlencoded', ...headers }).map(([name, value]) => `wrk.headers["${name}"] = "${value}"`);
  writeFileSync(script, [
    'wrk.method = "POST"', ...headerLines,
    // init and request run in the thread's Lua state, done in wrk's own: done reads the queue through the thread.
    'queue, first, last, failures = {}, 1, 0, 0',
    'local threads = {}',
    'function setup(thread) threads[#threads + 1] = thread end',
    'function init() for line in io.lines(os.getenv("ROTATION_SEEDS")) do last = last + 1; queue[last] = line end end',
    'function request()',
    '  local token = "starved"',
    '  if first <= last then token = queue[first]; queue[first] = nil; first = first + 1 end',
    '  return wrk.format(nil, nil, nil, "grant_type=refresh_token&refresh_token=" .. token)',
    'end',
    'function response(status, headers, body)',
    '  local successor = status == 200 and string.match(body, \'"refresh_token":"([^"]+)"\')',
    '  if successor then last = last + 1; queue[last] = successor else failures = failures + 1 end',
    'end',
    // The tokens still queued seed the next run (wrk -t1: one thread, one queue).
    'function done()',
    '  local file, thread = io.open(os.getenv("ROTATION_LEFT"), "w"), threads[1]',
    '  local q = thread:get("queue")',
    '  for i = thread:get("first"), thread:get("last") do if q[i] then file:write(q[i], "\\n") end end',
    '  file:close()',
    'end',
  ].join('\n'));
  const run = (duration, tokens) => {
    const file = join(dir, 'rotation-seeds.txt');
    const left = join(dir, 'rotation-left.txt');
    writeFileSync(file, tokens.join('\n'));
    const output = execFileSync('wrk', ['-t1', `-c${clients}`, `-d${duration}s`, '--timeout', '30s', '-s', script, url], { env: { ...process.env, ROTATION_SEEDS: file, ROTATION_LEFT: left } }).toString();
    if (/Non-2xx or 3xx responses/.test(output)) throw new Error(`${url}: rotations refused\n${output}`);
    return { output, left: readFileSync(left, 'utf8').split('\n').filter(Boolean) };
  };
  const warm = run(2, seeds);
  if (warm.left.length <= clients) throw new Error(`${url}: only ${warm.left.length} refresh tokens left after the warm-up`);
  return Number(/Requests\/sec:\s+([\d.]+)/.exec(run(seconds, warm.left).output)[1]);
}

async function driveAutocannon(url, headers, bodies, clients) {
  const options = (pool) => {
    let i = 0;
    return {
      url,
      method: 'POST',
      connections: clients,
      timeout: 30,
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      ...(bodies.header
        ? { body: bodies.body, requests: [{ setupRequest: (request) => ({ ...request, headers: { ...request.headers, [bodies.header]: pool[i++ % pool.length] } }) }] }
        : pool ? { requests: [{ setupRequest: (request) => ({ ...request, body: pool[i++ % pool.length] }) }] } : { body: bodies }),
    };
  };
  await autocannon({ ...options(bodies.warmup), duration: 2 }); // warm-up: JIT, caches, connection set-up
  const result = await autocannon({ ...options(bodies.measured), duration: seconds });
  if (result.non2xx || result.errors) throw new Error(`${url}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  return result.requests.average;
}

function grantryConfig(name, alg, port, extra = '', logging = 'level = "warn"') {
  const config = join(dir, `${name}.toml`);
  writeFileSync(config, `[server]\nport = ${port}\n[database]\nurl = "sqlite:${join(dir, `${name}.sqlite`)}"\n[security]\nmaster_key_file = "${join(dir, 'master.key')}"\n[oauth.token]\nsigning_alg = "${alg}"\n[logging]\n${logging}\n${extra}`);
  return config;
}

function grantryCli(config, args, env = {}) {
  const cli = join(root, 'dist/cli/main.js');
  return JSON.parse(execFileSync(process.execPath, [cli, ...args, '--json', '--config', config], { cwd: root, env: { ...process.env, ...env } }).toString());
}

function createClient(config, ...args) {
  return grantryCli(config, ['clients', 'create', '--name', 'bench', '--grant-type', 'client_credentials', '--scope', 'bench', ...args]);
}

const basicAuth = (client) => `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`;

/** The password grant's default scrypt parameters ([users] scrypt_log_n, scrypt_r, scrypt_p). */
const SCRYPT = { logN: 15, r: 8, p: 3 };
/** Each sign-in holds a threadpool thread for a tenth of a second or more: 4 clients keep libuv's 4 threads busy. */
const PASSWORD_CONNECTIONS = 4;

/** Password grant (RS256 token, refresh token issued): one scrypt verification, two small user writes and the grant's write per request. */
async function benchPassword(port) {
  const config = grantryConfig(`password-${port}`, 'RS256', port, '[oauth.grant_type.password]\nenable = true\n');
  const client = createClient(config, '--grant-type', 'password', '--grant-type', 'refresh_token');
  grantryCli(config, ['users', 'create', '--username', 'bench', '--password-env', 'BENCH_USER_PASSWORD'], { BENCH_USER_PASSWORD: 'correct horse battery staple' });
  return withGrantry(config, port, (url) => drive(url, { Authorization: basicAuth(client) }, 'grant_type=password&username=bench&password=correct+horse+battery+staple', PASSWORD_CONNECTIONS));
}

/** What the password grant cannot beat: scrypt verifications/s with the same parameters, as many at a time, in libuv's threadpool. */
async function scryptCeiling() {
  const { logN, r, p } = SCRYPT;
  const options = { N: 2 ** logN, r, p, maxmem: 128 * 2 ** logN * r + 2 ** 20 };
  const salt = randomBytes(16);
  const deadline = Date.now() + seconds * 1000;
  let done = 0;
  const worker = async () => {
    while (Date.now() < deadline) {
      await new Promise((resolve, reject) => scrypt('correct horse battery staple', salt, 32, options, (error) => (error ? reject(error) : resolve())));
      done++;
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: PASSWORD_CONNECTIONS }, worker));
  return (done * 1000) / (Date.now() - started);
}

/**
 * The code exchange (PKCE S256, an ID token and a refresh token beside the access token): a user
 * signs in once, consent is remembered, then each GET of the authorization endpoint yields a
 * code — one single-use code per measured request, as with real browsers.
 */
async function benchAuthorizationCode(port) {
  const redirect = 'https://rp.example/cb';
  const config = grantryConfig(`code-${port}`, 'RS256', port, '[oauth.grant_type.authorization_code]\ncode_ttl = 600\n');
  const client = grantryCli(config, ['clients', 'create', '--name', 'bench', '--grant-type', 'authorization_code', '--grant-type', 'refresh_token', '--redirect-uri', redirect, '--scope', 'openid']);
  grantryCli(config, ['users', 'create', '--username', 'bench', '--password-env', 'BENCH_USER_PASSWORD'], { BENCH_USER_PASSWORD: 'correct horse battery staple' });
  const verifier = 'v'.repeat(43);
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  return withGrantry(config, port, async (url) => {
    const base = url.replace('/oauth2/token', '');
    const authorize = `${base}/oauth2/authorize?${new URLSearchParams({ client_id: client.client_id, response_type: 'code', redirect_uri: redirect, scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256', nonce: 'n' })}`;
    const cookies = await signInOnce(base, authorize);
    const codes = async (count) => {
      const bodies = [];
      for (let i = 0; i < count; i++) {
        const answer = await fetch(authorize, { headers: { cookie: cookies }, redirect: 'manual' });
        const code = new URL(answer.headers.get('location')).searchParams.get('code');
        bodies.push(`grant_type=authorization_code&code=${code}&redirect_uri=${encodeURIComponent(redirect)}&code_verifier=${verifier}`);
      }
      return bodies;
    };
    const size = Number(process.env.BENCH_POOL ?? 3000 * seconds);
    return drive(url, { Authorization: basicAuth(client) }, { warmup: await codes(Math.ceil(size / 4)), measured: await codes(size) });
  });
}

/** Signs the bench user in through the pages and approves; the session and binding cookies. */
async function signInOnce(base, authorize) {
  const jar = new Map();
  const request = async (url, form) => {
    const answer = await fetch(new URL(url, base), {
      method: form ? 'POST' : 'GET',
      headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '), ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      body: form ? new URLSearchParams(form) : undefined,
      redirect: 'manual',
    });
    for (const cookie of answer.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const at = pair.indexOf('=');
      jar.set(pair.slice(0, at), pair.slice(at + 1));
    }
    return { location: answer.headers.get('location'), html: await answer.text() };
  };
  const page = await request((await request(authorize)).location);
  const field = (html, name) => new RegExp(`name="${name}"[^>]*value="([^"]*)"`).exec(html)?.[1];
  const action = (html) => /action="([^"]+)"/.exec(html)[1].replace(/&amp;/g, '&');
  const afterLogin = await request(action(page.html), { csrf: field(page.html, 'csrf'), username: 'bench', password: 'correct horse battery staple' });
  const consent = await request(afterLogin.location);
  await request(action(consent.html), { csrf: field(consent.html, 'csrf'), decision: 'approve' });
  return [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
}

/**
 * Introspection by the tokens' own client, beside that server's client_credentials tokens/s: of one
 * client_credentials JWT (a signature check and the deny-list), and of opaque tokens (a lookup by
 * hash each, as ../shared/perf/compare's introspect scenario measures), cycling through a pool.
 */
async function benchIntrospection(port) {
  const config = grantryConfig(`introspect-${port}`, 'RS256', port);
  const client = createClient(config);
  const opaqueClient = createClient(config, '--token-format', 'opaque');
  const headers = { Authorization: basicAuth(client) };
  return withGrantry(config, port, async (url) => {
    const tokens = await drive(url, headers, 'grant_type=client_credentials');
    const [token] = await issueTokens(url, headers, 1);
    const introspect = url.replace('/oauth2/token', '/oauth2/introspect');
    const introspections = await drive(introspect, headers, `token=${token}`);
    const opaqueHeaders = { Authorization: basicAuth(opaqueClient) };
    const pool = (await issueTokens(url, opaqueHeaders, OPAQUE_POOL)).map((opaque) => `token=${opaque}&token_type_hint=access_token`);
    const opaqueIntrospections = await drive(introspect, opaqueHeaders, { warmup: pool, measured: pool });
    return { introspections, opaqueIntrospections, tokens };
  });
}

/** Opaque tokens introspected in turn: more than the connections, few enough to mint at set-up. */
const OPAQUE_POOL = 2000;

/** `count` client_credentials access tokens of the client `headers` authenticate, 16 requests at a time. */
async function issueTokens(url, headers, count) {
  const tokens = [];
  while (tokens.length < count) {
    const batch = Array.from({ length: Math.min(16, count - tokens.length) }, async () => {
      const answer = await fetch(url, { method: 'POST', headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' });
      return (await answer.json()).access_token;
    });
    tokens.push(...(await Promise.all(batch)));
  }
  return tokens;
}

/**
 * Refresh-token rotation (ES256 tokens, password grant seeds, [users] scrypt_log_n at its minimum
 * only to seed faster): each request redeems one refresh token and the answer's successor is sent
 * by a later request (wrk only: a queue in Lua), so every request consumes a live token and
 * durably commits its successor, as clients do.
 */
async function benchRefresh(port) {
  const config = grantryConfig(`refresh-${port}`, 'ES256', port, '[oauth.grant_type.password]\nenable = true\n[users]\nscrypt_log_n = 14\n');
  const client = createClient(config, '--grant-type', 'password', '--grant-type', 'refresh_token');
  grantryCli(config, ['users', 'create', '--username', 'bench', '--password-env', 'BENCH_USER_PASSWORD'], { BENCH_USER_PASSWORD: 'correct horse battery staple' });
  const headers = { Authorization: basicAuth(client) };
  return withGrantry(config, port, async (url) => {
    const seeds = [];
    while (seeds.length < 4 * connections) {
      const batch = Array.from({ length: PASSWORD_CONNECTIONS }, async () => {
        const answer = await fetch(url, { method: 'POST', headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=password&username=bench&password=correct+horse+battery+staple' });
        return (await answer.json()).refresh_token;
      });
      seeds.push(...(await Promise.all(batch)));
    }
    return driveRotation(url, headers, seeds);
  });
}

async function withGrantry(config, port, run, stdoutFile) {
  const server = startProcess([join(root, 'dist/main.js'), '--config', config], `http://127.0.0.1:${port}/oauth2/token`, stdoutFile);
  await server.ready;
  try {
    return await run(`http://127.0.0.1:${port}/oauth2/token`);
  } finally {
    await stop(server.child);
  }
}

async function benchGrantry(alg, port) {
  const config = grantryConfig(`basic-${alg}`, alg, port);
  const client = createClient(config);
  const authorization = `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`;
  return withGrantry(config, port, (url) => drive(url, { Authorization: authorization }, 'grant_type=client_credentials'));
}

/**
 * DPoP-bound client_credentials (RFC 9449): the same client and body as the bearer scenario, each
 * request with its own pre-signed ES256 proof (unique jti: one INSERT into dpop_jtis per token, in
 * the request's atomic write). proof_max_age 600 keeps the pool's proofs fresh for the run.
 */
async function benchDpopGrantry(alg, port) {
  const config = grantryConfig(`dpop-${alg}-${port}`, alg, port, '[oauth.dpop]\nproof_max_age = 600\n');
  const client = createClient(config);
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = await exportJWK(publicKey);
  // htu: the token endpoint under base_url (http://localhost:<port> by default), never the Host header.
  const htu = `http://localhost:${port}/oauth2/token`;
  const pool = async (count) => {
    const proofs = [];
    for (let i = 0; i < count; i++) {
      proofs.push(await new SignJWT({ htm: 'POST', htu, iat: Math.floor(Date.now() / 1000), jti: `bench-${i}-${Math.random()}` }).setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk }).sign(privateKey));
    }
    return proofs;
  };
  const size = Number(process.env.BENCH_POOL ?? 8000 * seconds);
  const proofs = { header: 'DPoP', body: 'grant_type=client_credentials', warmup: await pool(Math.ceil(size / 4)), measured: await pool(size) };
  return withGrantry(config, port, (url) => drive(url, { Authorization: basicAuth(client) }, proofs));
}

/** The tenant the tenant scenario creates at setup: its own signing key, client and issuer. */
const TENANT = 'wso2.com';

/** client_credentials of a client of tenant TENANT at `/t/{domain}/oauth2/token`: the same server work as the default tenant's plus the tenant's routing. */
async function benchTenantGrantry(alg, port) {
  const config = grantryConfig(`tenant-${alg}-${port}`, alg, port);
  grantryCli(config, ['tenants', 'create', TENANT]);
  const client = createClient(config, '--tenant', TENANT);
  return withGrantry(config, port, (url) => drive(url.replace('/oauth2/token', `/t/${TENANT}/oauth2/token`), { Authorization: basicAuth(client) }, 'grant_type=client_credentials'));
}

/** An ES256 client key pair; its public half as a JWK Set file for registration. */
async function clientKey(name) {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwksFile = join(dir, `client-jwks-${name}.json`);
  writeFileSync(jwksFile, JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'bench', alg: 'ES256', use: 'sig' }] }));
  return { privateKey, jwksFile };
}

/** Form bodies for the warm-up and the measured run, each with its own pre-signed assertion (unique jti). */
async function assertionBodies(privateKey, clientId, audience) {
  const pool = async (count) => {
    const now = Math.floor(Date.now() / 1000);
    const bodies = [];
    for (let i = 0; i < count; i++) {
      const assertion = await new SignJWT({ iss: clientId, sub: clientId, aud: audience, iat: now, exp: now + 600, jti: `bench-${i}-${Math.random()}` })
        .setProtectedHeader({ alg: 'ES256', kid: 'bench' })
        .sign(privateKey);
      bodies.push(`grant_type=client_credentials&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=${assertion}`);
    }
    return bodies;
  };
  const size = Number(process.env.BENCH_POOL ?? 8000 * seconds);
  return { warmup: await pool(Math.ceil(size / 4)), measured: await pool(size) };
}

/** private_key_jwt: every request carries its own pre-signed ES256 assertion (unique jti), so each one writes a jti row. */
async function benchPrivateKeyJwt(alg, port) {
  const config = grantryConfig(`pkjwt-${alg}-${port}`, alg, port);
  const key = await clientKey(`grantry-${port}`);
  const client = createClient(config, '--auth-method', 'private_key_jwt', '--jwks-file', key.jwksFile);
  // The issuer is base_url, http://localhost:<port> by default.
  const bodies = await assertionBodies(key.privateKey, client.client_id, `http://localhost:${port}/oauth2/token`);
  return withGrantry(config, port, (url) => drive(url, {}, bodies));
}

/** The pkjwt ceiling: jose verifies the same kind of assertion, a Map keeps the jtis. */
async function benchPrivateKeyJwtCeiling(alg, port) {
  const audience = `http://127.0.0.1:${port}/oauth2/token`;
  const key = await clientKey(`ceiling-${port}`);
  const bodies = await assertionBodies(key.privateKey, 'ceiling', audience);
  const server = startProcess([join(root, 'bench/ceiling.mjs'), alg, String(port), 'ceiling', '-', key.jwksFile, audience], `http://127.0.0.1:${port}/oauth2/token`);
  await server.ready;
  try {
    return await drive(audience, {}, bodies);
  } finally {
    await stop(server.child);
  }
}

async function benchCeiling(alg, port) {
  const server = startProcess([join(root, 'bench/ceiling.mjs'), alg, String(port), 'ceiling', 'ceiling-secret'], `http://127.0.0.1:${port}/oauth2/token`);
  await server.ready;
  try {
    const authorization = `Basic ${Buffer.from('ceiling:ceiling-secret').toString('base64')}`;
    return await drive(`http://127.0.0.1:${port}/oauth2/token`, { Authorization: authorization }, 'grant_type=client_credentials');
  } finally {
    await stop(server.child);
  }
}

/**
 * client_credentials of this build as operated: JSON lines at info (a request line and an audit
 * event per token) written to a file, metrics on — or the quiet baseline (warn, metrics off).
 */
async function benchObservability(alg, port, observed) {
  const name = `obs-${observed ? 'on' : 'off'}-${alg}-${port}`;
  const config = observed
    ? grantryConfig(name, alg, port, '[metrics]\nenable = true\n', 'level = "info"\nformat = "json"')
    : grantryConfig(name, alg, port, '[metrics]\nenable = false\n', 'level = "warn"');
  const client = createClient(config);
  const logFile = join(dir, `${name}.log`);
  const rate = await withGrantry(config, port, (url) => drive(url, { Authorization: basicAuth(client) }, 'grant_type=client_credentials'), logFile);
  return { rate, logBytes: statSync(logFile).size };
}

/** Admin PATCHes in a process of their own (bench/admin-writes.mjs) until the returned stop; it resolves to their rate. */
function adminWrites(base, admin, clientId) {
  const child = spawn(process.execPath, [join(root, 'bench/admin-writes.mjs'), base, admin.client_id, admin.client_secret, clientId], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return async () => {
    child.kill('SIGTERM');
    await exited;
    return Number(output.trim());
  };
}

/**
 * Opaque access tokens (each one an INSERT through the atomic writer) that expire after a second,
 * swept every second; with `busy`, admin PATCHes run all along. Tokens/s, and admin writes/s.
 */
async function benchWrites(port, busy) {
  const config = grantryConfig(`writes-${port}`, 'ES256', port, '[housekeeping]\ninterval = 1\ngrace_period = 0\n');
  // Tokens that expire at once: every sweep has rows to delete while the token endpoint inserts.
  writeFileSync(config, readFileSync(config, 'utf8').replace('signing_alg = "ES256"', 'signing_alg = "ES256"\naccess_token_ttl = 1'));
  const client = createClient(config, '--token-format', 'opaque');
  const admin = grantryCli(config, ['clients', 'create', '--name', 'admin', '--grant-type', 'client_credentials', '--scope', 'admin']);
  return withGrantry(config, port, async (url) => {
    const stop = busy ? adminWrites(url.replace('/oauth2/token', ''), admin, client.client_id) : async () => 0;
    try {
      return { tokens: await drive(url, { Authorization: basicAuth(client) }, 'grant_type=client_credentials'), writes: await stop() };
    } catch (error) {
      await stop().catch(() => undefined);
      throw error;
    }
  });
}

const dir = mkdtempSync(join(tmpdir(), 'grantry-bench-'));
const rows = [];
try {
  if (process.env.BENCH_WRITES === '1') {
    const busy = [];
    const quiet = [];
    for (let round = 0; round < rounds; round++) {
      const withWrites = await benchWrites(18780 + round, true);
      const without = await benchWrites(18880 + round, false);
      console.error(`round ${round + 1}: ${withWrites.tokens.toFixed(0)} tok/s with ${withWrites.writes.toFixed(0)} admin PATCH/s and sweeps, ${without.tokens.toFixed(0)} tok/s with sweeps alone`);
      busy.push(withWrites.tokens);
      quiet.push(without.tokens);
    }
    rows.push({ scenario: 'opaque ES256 tokens, admin writes + sweeps', grantry: median(busy), ceiling: median(quiet), runs: { grantry: busy, ceiling: quiet }, ceilingName: 'same, sweeps without admin writes' });
  }
  if (process.env.BENCH_OBSERVABILITY === '1') {
    for (const [i, alg] of algs.entries()) {
      const on = [];
      const off = [];
      for (let round = 0; round < rounds; round++) {
        const observed = await benchObservability(alg, 18580 + i * 10 + round, true);
        const quiet = await benchObservability(alg, 18680 + i * 10 + round, false);
        console.error(`${alg} round ${round + 1}: info + metrics ${observed.rate.toFixed(0)} tok/s (${(observed.logBytes / 1e6).toFixed(1)} MB of log), warn + no metrics ${quiet.rate.toFixed(0)} tok/s`);
        on.push(observed.rate);
        off.push(quiet.rate);
      }
      rows.push({ scenario: `info logs + metrics vs warn, ${alg} token`, grantry: median(on), ceiling: median(off), runs: { grantry: on, ceiling: off }, ceilingName: 'same build, warn, metrics off' });
    }
  }
  for (const [i, alg] of (process.env.BENCH_OBSERVABILITY === '1' || process.env.BENCH_WRITES === '1' ? [] : algs).entries()) {
    const grantry = [];
    const tenant = [];
    const ceiling = [];
    const dpop = [];
    const withTenant = process.env.BENCH_TENANT !== '0';
    const withDpop = process.env.BENCH_DPOP !== '0';
    for (let round = 0; round < rounds; round++) {
      grantry.push(await benchGrantry(alg, 18080 + i));
      if (withTenant) tenant.push(await benchTenantGrantry(alg, 18060 + i * 10 + round));
      if (withDpop) dpop.push(await benchDpopGrantry(alg, 18040 + i * 10 + round));
      ceiling.push(await benchCeiling(alg, 18090 + i));
    }
    rows.push({ scenario: `client_secret_basic, ${alg} token`, grantry: median(grantry), ceiling: median(ceiling), runs: { grantry, ceiling } });
    if (withTenant) rows.push({ scenario: `  same, tenant ${TENANT} (/t/${TENANT}/...)`, grantry: median(tenant), ceiling: median(ceiling), runs: { grantry: tenant, ceiling } });
    if (withDpop) rows.push({ scenario: '  same, DPoP-bound (a proof per request)', grantry: median(dpop), ceiling: median(grantry), runs: { grantry: dpop, ceiling: grantry }, ceilingName: 'bearer tokens, same rounds' });
  }
  if (process.env.BENCH_PKJWT !== '0' && process.env.BENCH_OBSERVABILITY !== '1' && process.env.BENCH_WRITES !== '1') {
    for (const [i, alg] of algs.entries()) {
      const grantry = [];
      const ceiling = [];
      for (let round = 0; round < rounds; round++) {
        grantry.push(await benchPrivateKeyJwt(alg, 18180 + i * 10 + round));
        ceiling.push(await benchPrivateKeyJwtCeiling(alg, 18190 + i * 10 + round));
      }
      rows.push({ scenario: `private_key_jwt (ES256 assertion), ${alg} token`, grantry: median(grantry), ceiling: median(ceiling), runs: { grantry, ceiling } });
    }
  }
  if (process.env.BENCH_PASSWORD !== '0' && process.env.BENCH_OBSERVABILITY !== '1' && process.env.BENCH_WRITES !== '1') {
    const grantry = [];
    const ceiling = [];
    for (let round = 0; round < rounds; round++) {
      grantry.push(await benchPassword(18280 + round));
      ceiling.push(await scryptCeiling());
    }
    const { logN, r, p } = SCRYPT;
    rows.push({ scenario: `password grant, scrypt N=2^${logN} r=${r} p=${p}`, grantry: median(grantry), ceiling: median(ceiling), runs: { grantry, ceiling }, ceilingName: 'bare scrypt' });
  }
  if (process.env.BENCH_INTROSPECTION !== '0' && process.env.BENCH_OBSERVABILITY !== '1' && process.env.BENCH_WRITES !== '1') {
    const introspections = [];
    const opaque = [];
    const tokens = [];
    for (let round = 0; round < rounds; round++) {
      const result = await benchIntrospection(18380 + round);
      introspections.push(result.introspections);
      opaque.push(result.opaqueIntrospections);
      tokens.push(result.tokens);
    }
    rows.push({ scenario: 'introspection of a JWT (requests/s)', grantry: median(introspections), ceiling: median(tokens), runs: { grantry: introspections, ceiling: tokens }, ceilingName: 'its client_credentials tok/s' });
    rows.push({ scenario: 'introspection of opaque tokens (requests/s)', grantry: median(opaque), ceiling: median(tokens), runs: { grantry: opaque, ceiling: tokens }, ceilingName: 'its client_credentials tok/s' });
  }
  if (process.env.BENCH_REFRESH !== '0' && process.env.BENCH_OBSERVABILITY !== '1' && process.env.BENCH_WRITES !== '1') {
    const rotations = [];
    const tokens = [];
    for (let round = 0; round < rounds; round++) {
      rotations.push(await benchRefresh(18980 + round));
      tokens.push(await benchGrantry('ES256', 18990 + round));
    }
    rows.push({ scenario: 'refresh token rotation, ES256 (req/s)', grantry: median(rotations), ceiling: median(tokens), runs: { grantry: rotations, ceiling: tokens }, ceilingName: 'client_credentials tok/s, same build' });
  }
  if (process.env.BENCH_CODE !== '0' && process.env.BENCH_OBSERVABILITY !== '1' && process.env.BENCH_WRITES !== '1') {
    const exchanges = [];
    const tokens = [];
    for (let round = 0; round < rounds; round++) {
      exchanges.push(await benchAuthorizationCode(18480 + round));
      tokens.push(await benchGrantry('RS256', 18490 + round));
    }
    rows.push({ scenario: 'authorization code + PKCE + ID token (req/s)', grantry: median(exchanges), ceiling: median(tokens), runs: { grantry: exchanges, ceiling: tokens }, ceilingName: 'client_credentials tok/s, same build' });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

console.log(`\nclient_credentials, ${useWrk ? 'wrk -t1' : 'autocannon'}, ${connections} connections, ${seconds} s each, servers run one after the other;`);
console.log(`medians of ${rounds} alternating rounds (single runs in brackets)\n`);
console.log(`${'scenario'.padEnd(46)} ${'grantry tok/s'.padStart(14)} ${'ceiling tok/s'.padStart(14)} ${'ratio'.padStart(6)}`);
for (const { scenario, grantry, ceiling, runs, ceilingName } of rows) {
  const ceilingText = ceiling === undefined ? '-' : ceiling.toFixed(0);
  const ratio = ceiling === undefined ? '-' : (grantry / ceiling).toFixed(2);
  const detail = runs ? `   [${runs.grantry.map((v) => v.toFixed(0)).join(' ')} | ${runs.ceiling.map((v) => v.toFixed(0)).join(' ')}]` : '';
  console.log(`${scenario.padEnd(46)} ${grantry.toFixed(0).padStart(14)} ${ceilingText.padStart(14)} ${ratio.padStart(6)}${detail}${ceilingName ? `   (ceiling column: ${ceilingName})` : ''}`);
}
