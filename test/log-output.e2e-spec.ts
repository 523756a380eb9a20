import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { grantry } from './support/cli';
import { basic, freePort } from './support/server';

const ROOT = join(__dirname, '..');

/**
 * The built server's own stdout, as an operator's log collector reads it: JSON lines written
 * asynchronously in batches, and what is still buffered written out when the process stops.
 */
describe('JSON log lines on stdout of the built server', () => {
  let dir: string;
  let server: ChildProcess | undefined;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'grantry-log-output-'));
  });
  afterEach(() => {
    if (server?.exitCode === null) server.kill('SIGKILL');
    server = undefined;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a request line and a token.issued audit event per token, all of it by the time the process exits', async () => {
    const port = await freePort();
    const config = join(dir, 'deployment.toml');
    writeFileSync(config, [
      `[server]\nhost = "127.0.0.1"\nport = ${port}`,
      `[database]\nurl = "sqlite:${join(dir, 'grantry.sqlite')}"`,
      `[security]\nmaster_key = "${'B'.repeat(43)}"`,
      '[logging]\nlevel = "info"\nformat = "json"',
    ].join('\n'));
    const created = grantry(['clients', 'create', '--name', 'logs', '--grant-type', 'client_credentials', '--json', '--config', config], {}, dir);
    expect(created.status).toBe(0);
    const client = JSON.parse(created.stdout) as { client_id: string; client_secret: string };

    let stdout = '';
    const child = spawn(process.execPath, [join(ROOT, 'dist/cli/main.js'), 'start', '--config', config], {
      cwd: dir,
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server = child;
    child.stdout!.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));

    await waitForHealth(`http://127.0.0.1:${port}/health/ready`);
    const tokens = 25;
    for (let i = 0; i < tokens; i++) {
      const response = await fetch(`http://127.0.0.1:${port}/oauth2/token`, {
        method: 'POST',
        headers: { authorization: basic(client.client_id, client.client_secret), 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials',
      });
      expect(response.status).toBe(200);
    }
    child.kill('SIGTERM');
    const { code, signal } = await exited;
    // Nest's shutdown hooks close the app, then re-raise the signal.
    expect(code === 0 || signal === 'SIGTERM').toBe(true);

    const records = stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    const requestLines = records.filter((record) => record.route === '/oauth2/token' && record.status === 200);
    const issued = records.filter((record) => record.audit === true && record.event === 'token.issued');
    expect(requestLines).toHaveLength(tokens);
    expect(issued).toHaveLength(tokens);
    expect(issued[0]).toMatchObject({ client_id: client.client_id, grant_type: 'client_credentials', level: 30 });
    expect(stdout).not.toContain(client.client_secret);
  }, 60_000);
});

async function waitForHealth(url: string): Promise<void> {
  for (const deadline = Date.now() + 20_000; Date.now() < deadline; ) {
    const status = await fetch(url).then((response) => response.status, () => undefined);
    if (status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not answer 200 within 20 s`);
}
