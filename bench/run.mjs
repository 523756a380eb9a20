// npm run bench: client_credentials tokens/s of grantry beside the same-run ceiling
// (bench/ceiling.mjs), for RS256 and ES256. Servers run one after the other (2 cores), each
// warmed up, then driven by autocannon over loopback. Set BENCH_SECONDS to change the duration.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

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

function startProcess(args, readyUrl) {
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
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

async function drive(url, authorization) {
  return useWrk ? driveWrk(url, authorization) : driveAutocannon(url, authorization);
}

/** wrk (C, one thread) leaves more of the 2 cores to the server than autocannon does. */
function driveWrk(url, authorization) {
  const script = join(dir, 'post.lua');
  writeFileSync(script, [
    'wrk.method = "POST"',
    'wrk.body = "grant_type=client_credentials"',
    'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"',
    `wrk.headers["Authorization"] = "${authorization}"`,
  ].join('\n'));
  const run = (duration) => execFileSync('wrk', ['-t1', `-c${connections}`, `-d${duration}s`, '-s', script, url]).toString();
  run(2); // warm-up: JIT, caches, connection set-up
  const output = run(seconds);
  const bad = /Non-2xx or 3xx responses: (\d+)/.exec(output);
  if (bad) throw new Error(`${url}: ${bad[1]} non-2xx answers`);
  return Number(/Requests\/sec:\s+([\d.]+)/.exec(output)[1]);
}

async function driveAutocannon(url, authorization) {
  const options = {
    url,
    method: 'POST',
    connections,
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization },
    body: 'grant_type=client_credentials',
  };
  await autocannon({ ...options, duration: 2 }); // warm-up: JIT, caches, connection set-up
  const result = await autocannon({ ...options, duration: seconds });
  if (result.non2xx || result.errors) throw new Error(`${url}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  return result.requests.average;
}

async function benchGrantry(alg, dir, port) {
  const config = join(dir, `${alg}.toml`);
  writeFileSync(config, `[server]\nport = ${port}\n[database]\nurl = "sqlite:${join(dir, `${alg}.sqlite`)}"\n[security]\nmaster_key_file = "${join(dir, 'master.key')}"\n[oauth.token]\nsigning_alg = "${alg}"\n[logging]\nlevel = "warn"\n`);
  const cli = join(root, 'dist/cli/main.js');
  const client = JSON.parse(execFileSync(process.execPath, [cli, 'clients', 'create', '--name', 'bench', '--grant-type', 'client_credentials', '--scope', 'bench', '--json', '--config', config], { cwd: root }).toString());
  const server = startProcess([join(root, 'dist/main.js'), '--config', config], `http://127.0.0.1:${port}/oauth2/token`);
  await server.ready;
  try {
    return await drive(`http://127.0.0.1:${port}/oauth2/token`, `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`);
  } finally {
    await stop(server.child);
  }
}

async function benchCeiling(alg, port) {
  const server = startProcess([join(root, 'bench/ceiling.mjs'), alg, String(port), 'ceiling', 'ceiling-secret'], `http://127.0.0.1:${port}/oauth2/token`);
  await server.ready;
  try {
    return await drive(`http://127.0.0.1:${port}/oauth2/token`, `Basic ${Buffer.from('ceiling:ceiling-secret').toString('base64')}`);
  } finally {
    await stop(server.child);
  }
}

const dir = mkdtempSync(join(tmpdir(), 'grantry-bench-'));
const rows = [];
try {
  for (const [i, alg] of algs.entries()) {
    const grantry = await benchGrantry(alg, dir, 18080 + i);
    const ceiling = await benchCeiling(alg, 18090 + i);
    rows.push({ scenario: `client_credentials client_secret_basic ${alg}`, grantry, ceiling });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

console.log(`\nclient_credentials, ${useWrk ? 'wrk -t1' : 'autocannon'}, ${connections} connections, ${seconds} s each, servers run one after the other\n`);
console.log(`${'scenario'.padEnd(44)} ${'grantry tok/s'.padStart(14)} ${'ceiling tok/s'.padStart(14)} ${'ratio'.padStart(6)}`);
for (const { scenario, grantry, ceiling } of rows) {
  console.log(`${scenario.padEnd(44)} ${grantry.toFixed(0).padStart(14)} ${ceiling.toFixed(0).padStart(14)} ${(grantry / ceiling).toFixed(2).padStart(6)}`);
}
