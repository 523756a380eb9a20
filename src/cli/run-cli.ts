// Only what `--version` and `--help` need is loaded up front: a command's code, Nest, the
// configuration and the database drivers are required when that command runs (issue 30).
import { parse, UsageError } from './args';
import type { CliIO } from './cli-io';
import type { ListenOverride } from '../config/config-loader';
import {
  AUDIT_USAGE,
  CERTS_USAGE,
  CLIENTS_USAGE,
  CONFIG_USAGE,
  IDPS_USAGE,
  INITIAL_ACCESS_TOKENS_USAGE,
  KEYS_USAGE,
  TENANT_HELP,
  TENANTS_USAGE,
  USERS_USAGE,
} from './usage';

export type { CliIO } from './cli-io';

const START_USAGE = `grantry start [--port N] [--host H] [--config PATH]    serve HTTP (same as npm start)
  (the port and host come from the flag, else PORT/HOST, else [server]; port 0: any free port)
  e.g. grantry start --port 9000 --host 0.0.0.0
       PORT=9000 npm start`;
const MIGRATE_USAGE = 'grantry migrate [--config PATH]  apply pending database migrations';
const CONFIG_HELP = '--config PATH: the deployment file (default: $GRANTRY_CONFIG, else config/deployment.toml, else built-in defaults)';

const USAGE = `usage: grantry <command> [--config PATH] [--tenant DOMAIN]

${START_USAGE}
${MIGRATE_USAGE}
${CLIENTS_USAGE}
${IDPS_USAGE}
${USERS_USAGE}
${KEYS_USAGE}
${CERTS_USAGE}
${INITIAL_ACCESS_TOKENS_USAGE}
${AUDIT_USAGE}
${TENANTS_USAGE}
${CONFIG_USAGE}
grantry --version

${CONFIG_HELP}
${TENANT_HELP}
Commands that only read (list, show, keys export, audit list, tenants list|show) never create a database or a master key.`;

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
  start: START_USAGE,
  migrate: MIGRATE_USAGE,
  clients: CLIENTS_USAGE,
  idps: IDPS_USAGE,
  users: USERS_USAGE,
  keys: KEYS_USAGE,
  certs: CERTS_USAGE,
  'initial-access-tokens': INITIAL_ACCESS_TOKENS_USAGE,
  audit: AUDIT_USAGE,
  tenants: TENANTS_USAGE,
  config: CONFIG_USAGE,
};

/** Subcommands that only read: they never create a database or a master key. */
const READ_ONLY: Record<string, string[]> = {
  clients: ['list', 'show'],
  idps: ['list', 'show'],
  users: ['list', 'show'],
  keys: ['list', 'export'],
  certs: ['list'],
  'initial-access-tokens': ['list'],
  audit: ['list'],
  tenants: ['list', 'show'],
};

/** `grantry start --port N --host H`: a bad value is a usage error. */
function listenFlags(args: string[]): ListenOverride {
  const { parsePort } = require('../config/config-loader') as typeof import('../config/config-loader');
  const { values } = parse(args, { port: { type: 'string' }, host: { type: 'string' } });
  const listen: ListenOverride = {};
  if (values.port !== undefined) {
    listen.port = parsePort(String(values.port));
    if (listen.port === undefined) throw new UsageError(`--port takes an integer from 0 to 65535, not ${JSON.stringify(values.port)}`);
  }
  if (values.host !== undefined) {
    if (!String(values.host).trim()) throw new UsageError('--host takes an address to listen on');
    listen.host = String(values.host).trim();
  }
  return listen;
}

const HELP_FLAGS = new Set(['--help', '-h']);
/** Commands about the server and its tenants, not about one tenant: no --tenant. */
const SERVER_WIDE = new Set(['start', 'migrate', 'tenants']);

/** The package's version, read from its package.json (two levels above dist/cli). */
function version(): string {
  return (require('../../package.json') as { version: string }).version;
}

/** What a run learnt that its failure message needs: the database, once the configuration is read. */
interface RunState {
  databaseUrl?: string;
}

async function run(argv: string[], io: CliIO, state: RunState): Promise<void> {
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
    io.stdout.write(`usage:\n${usage}\n\n${CONFIG_HELP}\n${SERVER_WIDE.has(command) || command === 'config' ? '' : `${TENANT_HELP}\n`}`);
    return;
  }
  // `config` reads the file itself and touches nothing else.
  if (command === 'config') {
    const { configCommand } = await import('./commands/config.command');
    return configCommand(rest[0], rest.slice(1), io);
  }
  if (!COMMAND_USAGE[command]) throw new UsageError(`unknown command ${command}\n\n${USAGE}`);
  const { tenantFlag } = await import('./cli-tenant');
  const tenant = tenantFlag(rest);
  if (tenant !== undefined && SERVER_WIDE.has(command)) throw new UsageError(`${command} is about the server and its tenants, not one tenant: it takes no --tenant`);
  const listen = command === 'start' ? listenFlags(rest) : {};
  const { loadConfig } = await import('../config/config-loader');
  const config = loadConfig(configFlag(rest), io.env, listen);
  state.databaseUrl = config.database.url;
  const { probeDatabase, requireExistingStore } = await import('./preflight');
  if (READ_ONLY[command]?.includes(rest[0])) requireExistingStore(config);
  await probeDatabase(config);
  if (command === 'start') {
    // Serves until the server closes: SIGTERM/SIGINT (Nest's shutdown hooks) or io.signal.
    await import('reflect-metadata');
    const { startServer } = await import('../app.factory');
    const app = await startServer(config);
    await new Promise<void>((resolve, reject) => {
      app.getHttpServer().once('close', () => resolve());
      const stop = () => app.close().then(resolve, reject);
      if (io.signal?.aborted) stop();
      else io.signal?.addEventListener('abort', stop, { once: true });
    });
    return;
  }
  // Every other command runs in the application context, with only its own command's code loaded.
  await import('reflect-metadata');
  const { withCliContext } = await import('./cli-context');
  // A read-only subcommand boots only the modules it reads (ReadOnlyModule); the others, the whole application.
  const light = READ_ONLY[command]?.includes(rest[0]) ? (await import('./read-only.module')).READ_FEATURES[command] : undefined;
  switch (command) {
    case 'migrate': {
      config.database.migrate = true;
      const { DatabaseMigrator } = await import('../database/database.module');
      const applied = await withCliContext(config, io, async (app) => app.get(DatabaseMigrator).applied);
      io.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'the database schema is up to date\n');
      return;
    }
    case 'clients': {
      const { clientsCommand } = await import('./commands/clients.command');
      return withCliContext(config, io, (app) => clientsCommand(app, rest[0], rest.slice(1), io), tenant, light);
    }
    case 'idps': {
      const { idpsCommand } = await import('./commands/idps.command');
      return withCliContext(config, io, (app) => idpsCommand(app, rest[0], rest.slice(1), io), tenant, light);
    }
    case 'users': {
      const { usersCommand } = await import('./commands/users.command');
      return withCliContext(config, io, (app) => usersCommand(app, rest[0], rest.slice(1), io), tenant, light);
    }
    case 'keys': {
      const { keysCommand } = await import('./commands/keys.command');
      return withCliContext(config, io, (app) => keysCommand(app, rest[0], rest.slice(1), io), tenant, light);
    }
    case 'certs': {
      const { certsCommand } = await import('./commands/certs.command');
      return withCliContext(config, io, (app) => certsCommand(app, rest[0], rest.slice(1), io), tenant, light);
    }
    case 'initial-access-tokens': {
      const { initialAccessTokensCommand } = await import('./commands/initial-access-tokens.command');
      return withCliContext(config, io, (app) => initialAccessTokensCommand(app, rest[0], rest.slice(1), io), tenant, light);
    }
    case 'audit': {
      const { auditCommand } = await import('./commands/audit.command');
      return withCliContext(config, io, (app) => auditCommand(app, rest[0], rest.slice(1), io), tenant, light);
    }
    case 'tenants': {
      const { tenantsCommand } = await import('./commands/tenants.command');
      return withCliContext(config, io, (app) => tenantsCommand(app, rest[0], rest.slice(1), io), undefined, light);
    }
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
  const state: RunState = {};
  try {
    await run(argv, io, state);
    return EXIT_OK;
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`grantry: ${error.message}\n`);
      return EXIT_USAGE;
    }
    if (argv[0] === 'config') {
      // Loaded already: `config` ran. Its problems are printed already.
      const { ConfigCheckFailed } = require('./commands/config.command') as typeof import('./commands/config.command');
      if (error instanceof ConfigCheckFailed) return EXIT_FAILURE;
    }
    const { failureMessage } = require('./failure-message') as typeof import('./failure-message');
    io.stderr.write(failureMessage(error, io.env, state.databaseUrl));
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
