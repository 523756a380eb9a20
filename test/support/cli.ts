import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

type Result = { status: number; stdout: string; stderr: string };

function runBuilt(script: string, args: string[], env: Record<string, string>, cwd: string): Result {
  const result = spawnSync(process.execPath, [join(ROOT, script), ...args], {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** Runs the built `grantry` binary (npm's `bin` entry) as an operator would. */
export function grantry(args: string[], env: Record<string, string> = {}, cwd = ROOT): Result {
  return runBuilt('dist/cli/main.js', args, env, cwd);
}

/** Runs `dist/main.js` (npm start) and returns when it exits (for start-up failures). */
export function grantryStart(args: string[], env: Record<string, string> = {}, cwd = ROOT): Result {
  return runBuilt('dist/main.js', args, env, cwd);
}
