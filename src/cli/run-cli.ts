import 'reflect-metadata';
import { startServer } from '../app.factory';
import { loadConfig } from '../config/config-loader';
import { failureMessage } from '../common/fatal';
import { DatabaseMigrator } from '../database/database.module';
import { UsageError } from './args';
import type { CliIO } from './cli-io';
import { withCliContext } from './cli-context';
import { CERTS_USAGE, certsCommand } from './commands/certs.command';
import { CLIENTS_USAGE, clientsCommand } from './commands/clients.command';
import { IDPS_USAGE, idpsCommand } from './commands/idps.command';
import { KEYS_USAGE, keysCommand } from './commands/keys.command';
import { USERS_USAGE, usersCommand } from './commands/users.command';

export type { CliIO } from './cli-io';

const USAGE = `usage: grantry <command> [--config PATH]

grantry start                  serve HTTP (same as npm start)
grantry migrate                apply pending database migrations
${CLIENTS_USAGE}
${IDPS_USAGE}
${USERS_USAGE}
${KEYS_USAGE}
${CERTS_USAGE}

--config PATH: the deployment file (default: $GRANTRY_CONFIG, else config/deployment.toml, else built-in defaults)`;

/** Exit codes: 0 done, 1 the command failed, 2 usage error. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;


/** `--config PATH` or `--config=PATH`, wherever it stands. */
function configFlag(args: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--config') return args[i + 1];
    if (args[i].startsWith('--config=')) return args[i].slice('--config='.length);
  }
  return undefined;
}

/** Each command's own usage, for `grantry <command> --help`. */
const COMMAND_USAGE: Record<string, string> = {
  start: 'grantry start [--config PATH]    serve HTTP (same as npm start)',
  migrate: 'grantry migrate [--config PATH]  apply pending database migrations',
  clients: CLIENTS_USAGE,
  idps: IDPS_USAGE,
  users: USERS_USAGE,
  keys: KEYS_USAGE,
  certs: CERTS_USAGE,
};

const HELP_FLAGS = new Set(['--help', '-h']);

/** The package's version, read from its package.json (two levels above dist/cli). */
function version(): string {
  return (require('../../package.json') as { version: string }).version;
}

async function run(argv: string[], io: CliIO): Promise<void> {
  const [command, ...rest] = argv;
  if (command === '--version' || command === '-v') {
    io.stdout.write(`grantry ${version()}\n`);
    return;
  }
  if (command === undefined || command === 'help' || HELP_FLAGS.has(command)) {
    io.stdout.write(`${USAGE}\n`);
    return;
  }
  // `--help` anywhere prints help and runs nothing: `grantry start --help` must not start a server.
  if (rest.some((arg) => HELP_FLAGS.has(arg))) {
    const usage = COMMAND_USAGE[command];
    if (!usage) throw new UsageError(`unknown command ${command}\n\n${USAGE}`);
    io.stdout.write(`usage:\n${usage}\n\n--config PATH: the deployment file (default: $GRANTRY_CONFIG, else config/deployment.toml, else built-in defaults)\n`);
    return;
  }
  const config = loadConfig(configFlag(rest), io.env);
  switch (command) {
    case 'start': {
      // Serves until the server closes: SIGTERM/SIGINT (Nest's shutdown hooks) or io.signal.
      const app = await startServer(config);
      await new Promise<void>((resolve, reject) => {
        app.getHttpServer().once('close', () => resolve());
        const stop = () => app.close().then(resolve, reject);
        if (io.signal?.aborted) stop();
        else io.signal?.addEventListener('abort', stop, { once: true });
      });
      return;
    }
    case 'migrate': {
      config.database.migrate = true;
      const applied = await withCliContext(config, io, async (app) => app.get(DatabaseMigrator).applied);
      io.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'the database schema is up to date\n');
      return;
    }
    case 'clients':
      return withCliContext(config, io, (app) => clientsCommand(app, rest[0], rest.slice(1), io));
    case 'idps':
      return withCliContext(config, io, (app) => idpsCommand(app, rest[0], rest.slice(1), io));
    case 'users':
      return withCliContext(config, io, (app) => usersCommand(app, rest[0], rest.slice(1), io));
    case 'keys':
      return withCliContext(config, io, (app) => keysCommand(app, rest[0], rest.slice(1), io));
    case 'certs':
      return withCliContext(config, io, (app) => certsCommand(app, rest[0], rest.slice(1), io));
    default:
      throw new UsageError(`unknown command ${command}\n\n${USAGE}`);
  }
}

/**
 * The `grantry` command as a function: runs `argv` (without `node grantry`) and resolves with
 * the exit code once the command is done, having written its output and any failure to `io`
 * (`grantry: <message>`, one line). It never exits the process, so tests run it in-process.
 */
export async function runCli(argv: string[], io: CliIO): Promise<number> {
  try {
    await run(argv, io);
    return EXIT_OK;
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`grantry: ${error.message}\n`);
      return EXIT_USAGE;
    }
    io.stderr.write(failureMessage(error, io.env));
    return EXIT_FAILURE;
  }
}

/**
 * Runs the CLI as the process: its streams and environment. A failure exits at once with its
 * code, as before; success leaves the exit to Node, so `start` keeps serving until it closes.
 */
export function runAsProcess(argv: string[]): void {
  void runCli(argv, { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env }).then((code) => {
    if (code !== EXIT_OK) process.exit(code);
    process.exitCode = code;
  });
}
