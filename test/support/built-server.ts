import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { track } from './resources';

const ROOT = join(__dirname, '..', '..');

/** The built server (`npm start`, or `grantry start`) in a process of its own. */
export interface BuiltServer {
  /** Where it listens, as its start-up line says (`... listening on http://127.0.0.1:PORT`). */
  url: string;
  child: ChildProcess;
  /** What it wrote so far. */
  stdout(): string;
  stderr(): string;
  /** SIGTERM, then the exit with all its output read (SIGKILL after 15 s); safe to call twice. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface BuiltServerOptions {
  /** `dist/main.js` (what `npm start` runs, the default) or `dist/cli/main.js` (give `start` in args). */
  script?: 'dist/main.js' | 'dist/cli/main.js';
  args?: string[];
  cwd: string;
  /** The whole environment besides PATH and HOME. */
  env?: Record<string, string>;
  /**
   * Seconds to wait for it to serve. Generous: a busy 2-core machine may take many seconds to
   * start Node and Nest; a server that fails to start is noticed at once, by its exit.
   */
  timeoutSeconds?: number;
}

/**
 * Starts the built server and resolves once `/health/ready` answers 200. Give it port 0 (`[server]
 * port = 0` or `PORT=0`) and an info-level log: the port it got is read from its start-up line, so
 * no other process can take the port in between. Rejects, with what the server wrote, when it exits
 * first or does not serve in time (and then stops it).
 */
export async function startBuiltServer({ script = 'dist/main.js', args = [], cwd, env = {}, timeoutSeconds = 120 }: BuiltServerOptions): Promise<BuiltServer> {
  const child = spawn(process.execPath, [join(ROOT, script), ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  // 'close': the process has exited and its stdout and stderr are read to the end.
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  let ended = false;
  void exited.then(() => (ended = true));
  const stop = track(`built server (pid ${child.pid})`, async () => {
    if (!ended) child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited.finally(() => clearTimeout(killer));
  });
  const server: BuiltServer = { url: '', child, stdout: () => stdout, stderr: () => stderr, stop: async () => (await stop(), exited) };
  try {
    const deadline = Date.now() + timeoutSeconds * 1000;
    const failure = (why: string) => new Error(`the built server ${why}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`);
    for (;;) {
      if (ended) throw failure('exited before it served');
      if (Date.now() > deadline) throw failure(`did not serve within ${timeoutSeconds} s`);
      server.url ||= /listening on (http:\/\/[^\s"]+)/.exec(stdout)?.[1] ?? '';
      if (server.url && (await fetch(`${server.url}/health/ready`).then((response) => response.status, () => 0)) === 200) return server;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } catch (error) {
    await server.stop();
    throw error;
  }
}
