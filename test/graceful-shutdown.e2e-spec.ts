import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeText } from './support/certificates';
import { grantry } from './support/cli';
import { basic } from './support/server';

const ROOT = join(__dirname, '..');
const SLOW = 'urn:example:params:oauth:grant-type:slow';

/**
 * A grant plugin that takes its time, loaded from TOML as any plugin is: it marks that the request
 * has reached it (so the test signals while it is in flight), then answers after `wait_ms`.
 */
const SLOW_GRANT = `
const { writeFileSync } = require('node:fs');
module.exports = class SlowGrant {
  async handle({ params, properties }) {
    writeFileSync(properties.marker, 'in flight');
    await new Promise((resolve) => setTimeout(resolve, Number(params.wait_ms)));
    return { subject: 'slow', scopes: [] };
  }
};
`;

interface Running {
  child: ChildProcess;
  stdout(): string;
  /** The spawned process's exit (npm's, under `npm start`). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Its output read to the end: every process holding the pipes (node too) has ended. */
  closed: Promise<void>;
  url: string;
  /** The node process serving (npm's child under `npm start`), from its start-up line. */
  serverPid: number;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Whether anything accepts a connection at `url` now. */
function accepting(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>, seconds: number, output: () => string): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} within ${seconds} s\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// The stop is the same whatever the database: run on the SQLite leg only (a temp SQLite file).
(process.env.DATABASE_URL ? describe.skip : describe)('stopping on SIGTERM/SIGINT ([server] shutdown_grace)', () => {
  let dir: string;
  let client: { client_id: string; client_secret: string };
  const config = (grace: number) => {
    const file = join(dir, `grace-${grace}.toml`);
    writeText(dir, `grace-${grace}.toml`, `
[server]
port = 0
shutdown_grace = ${grace}
[database]
url = "sqlite:${join(dir, 'grantry.sqlite')}"
[security]
master_key_file = "${join(dir, 'master.key')}"
[logging]
level = "info"
[plugins]
timeout = 60
[[oauth.custom_grant_type]]
name = "${SLOW}"
grant_handler = "./slow-grant.js"
properties = { marker = "${join(dir, 'in-flight')}" }
`);
    return file;
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'grantry-shutdown-'));
    writeText(dir, 'slow-grant.js', SLOW_GRANT);
    const created = grantry(['clients', 'create', '--name', 'slow', '--grant-type', SLOW, '--json', '--config', config(10)]);
    if (created.status !== 0) throw new Error(created.stderr);
    client = JSON.parse(created.stdout);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** `command args` in the repository, serving; resolves once it listens. */
  async function start(command: string, args: string[]): Promise<Running> {
    rmSync(join(dir, 'in-flight'), { force: true });
    const child = spawn(command, args, { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout!.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr!.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
    const running: Running = { child, stdout: () => stdout, exited, closed, url: '', serverPid: 0 };
    await waitFor('the server did not start', () => /listening on http/.test(stdout) || child.exitCode !== null, 120, () => stdout);
    const line = stdout.split('\n').find((text) => text.includes('listening on http'));
    if (!line) throw new Error(`the server exited before it listened\n${stdout}`);
    const started = JSON.parse(line) as { pid: number; listen: string };
    running.url = started.listen;
    running.serverPid = started.pid;
    return running;
  }

  /** Whatever is still running is killed: npm, and the node process it started. */
  async function release(running: Running | undefined): Promise<void> {
    if (!running) return;
    for (const pid of [running.child.pid, running.serverPid]) if (pid && alive(pid)) process.kill(pid, 'SIGKILL');
    await Promise.all([running.exited, running.closed]);
  }

  const slowToken = (url: string, waitMs: number) =>
    fetch(`${url}/oauth2/token`, {
      method: 'POST',
      headers: { authorization: basic(client.client_id, client.client_secret), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: SLOW, wait_ms: String(waitMs) }),
    });

  it('`kill <npm pid>` on npm start: the request in flight completes, one shutdown line, nothing left listening', async () => {
    let running: Running | undefined;
    try {
      running = await start('npm', ['start', '--', '--config', config(10)]);
      expect(running.serverPid).not.toBe(running.child.pid); // npm's child serves
      const response = slowToken(running.url, 1500);
      await waitFor('the slow request did not reach the plugin', () => existsSync(join(dir, 'in-flight')), 30, running.stdout);
      const signalled = Date.now();
      running.child.kill('SIGTERM');

      const answer = await response;
      expect(answer.status).toBe(200);
      expect(await answer.json()).toMatchObject({ token_type: 'Bearer' });
      const exit = await running.exited;
      await waitFor('the node process did not end', () => !alive(running!.serverPid), 10, running.stdout);
      expect(Date.now() - signalled).toBeLessThan(10_000);
      await running.closed;
      expect(exit).toEqual({ code: 0, signal: null });
      expect(await accepting(running.url)).toBe(false);

      const stopped = running.stdout().split('\n').filter((text) => text.includes('"grantry stopped"'));
      expect(stopped).toHaveLength(1);
      expect(JSON.parse(stopped[0])).toMatchObject({ level: 30, signal: 'SIGTERM', grace_s: 10, connections_cut: false });
    } finally {
      await release(running);
    }
  }, 180_000);

  it('`kill <npx pid>` on npx grantry start: the server npm ran through a shell stops too, one shutdown line, nothing left listening', async () => {
    let running: Running | undefined;
    try {
      // npx runs `sh -c grantry ...`: the SIGTERM reaches npm and that shell only (both die of it);
      // the server stops once its parent is gone (observability/graceful-shutdown.ts).
      running = await start('npx', ['--yes', 'grantry', 'start', '--config', config(10)]);
      expect(running.serverPid).not.toBe(running.child.pid);
      const signalled = Date.now();
      running.child.kill('SIGTERM');

      await running.exited; // npm's own exit status (143 after a SIGTERM) is npm's business
      await waitFor('the node process did not end', () => !alive(running!.serverPid), 10, running.stdout);
      expect(Date.now() - signalled).toBeLessThan(10_000);
      await running.closed;
      expect(await accepting(running.url)).toBe(false);
      const stopped = running.stdout().split('\n').filter((text) => text.includes('"grantry stopped"'));
      expect(stopped).toHaveLength(1);
      expect(JSON.parse(stopped[0])).toMatchObject({ level: 30, signal: 'SIGTERM', connections_cut: false });
    } finally {
      await release(running);
    }
  }, 180_000);

  it('SIGINT to node dist/main.js: a request past the grace is cut, and the stop ends within it', async () => {
    let running: Running | undefined;
    try {
      running = await start(process.execPath, ['dist/main.js', '--config', config(1)]);
      const response = slowToken(running.url, 30_000).then(
        (answer) => answer.status,
        () => 'cut',
      );
      await waitFor('the slow request did not reach the plugin', () => existsSync(join(dir, 'in-flight')), 30, running.stdout);
      const signalled = Date.now();
      running.child.kill('SIGINT');

      expect(await running.exited).toEqual({ code: 0, signal: null });
      expect(Date.now() - signalled).toBeLessThan(1000 + 5000);
      await running.closed;
      expect(await response).toBe('cut');
      expect(await accepting(running.url)).toBe(false);
      const stopped = running.stdout().split('\n').filter((text) => text.includes('"grantry stopped"'));
      expect(stopped).toHaveLength(1);
      expect(JSON.parse(stopped[0])).toMatchObject({ signal: 'SIGINT', grace_s: 1, connections_cut: true });
    } finally {
      await release(running);
    }
  }, 180_000);
});
