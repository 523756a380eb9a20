import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { runCli } from '../../src/cli/run-cli';

const ROOT = join(__dirname, '..', '..');

type Result = { status: number; stdout: string; stderr: string };

/**
 * Runs the `grantry` CLI in-process (runCli, from source) and captures what it writes. `env`
 * replaces the environment, as for the spawned binary: nothing leaks in from the test's own.
 * `grantry start` serves until `signal` aborts: abort it in `finally`.
 */
export async function cli(args: string[], env: Record<string, string> = {}, signal?: AbortSignal): Promise<Result> {
  let stdout = '';
  let stderr = '';
  const status = await runCli(args, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: { ...env },
    signal,
  });
  return { status, stdout, stderr };
}

/**
 * `grantry` commands against one deployment file (read when each command runs, so a spec may
 * write it in `beforeAll`): `run` answers status and output, `json` the `--json` record, failing
 * with the command's stderr when it exits non-zero.
 */
export function cliAt(configFile: () => string, env: () => Record<string, string>) {
  const run = (...args: string[]) => cli([...args, '--config', configFile()], env());
  const json = async (...args: string[]) => {
    const result = await run(...args, '--json');
    if (result.status !== 0) throw new Error(result.stderr);
    return JSON.parse(result.stdout);
  };
  return { run, json };
}

function runBuilt(script: string, args: string[], env: Record<string, string>, cwd: string): Result {
  const result = spawnSync(process.execPath, [join(ROOT, script), ...args], {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** Runs the built `grantry` binary (npm's `bin` entry) as an operator would: for smoke tests of the binary itself. */
export function grantry(args: string[], env: Record<string, string> = {}, cwd = ROOT): Result {
  return runBuilt('dist/cli/main.js', args, env, cwd);
}

/** Runs `dist/main.js` (npm start) and returns when it exits (for start-up failures). */
export function grantryStart(args: string[], env: Record<string, string> = {}, cwd = ROOT): Result {
  return runBuilt('dist/main.js', args, env, cwd);
}
