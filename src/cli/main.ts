#!/usr/bin/env node
import 'reflect-metadata';
import { startServer } from '../app.factory';
import { exitWithError } from '../common/fatal';
import { loadConfig } from '../config/config-loader';
import { DatabaseMigrator } from '../database/database.module';
import { UsageError } from './args';
import { withCliContext } from './cli-context';
import { CERTS_USAGE, certsCommand } from './commands/certs.command';
import { CLIENTS_USAGE, clientsCommand } from './commands/clients.command';
import { IDPS_USAGE, idpsCommand } from './commands/idps.command';
import { KEYS_USAGE, keysCommand } from './commands/keys.command';

const USAGE = `usage: grantry <command> [--config PATH]

grantry start                  serve HTTP (same as npm start)
grantry migrate                apply pending database migrations
${CLIENTS_USAGE}
${IDPS_USAGE}
${KEYS_USAGE}
${CERTS_USAGE}

--config PATH: the deployment file (default: $GRANTRY_CONFIG, else config/deployment.toml, else built-in defaults)`;

/** `--config PATH` or `--config=PATH`, wherever it stands. */
function configFlag(args: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--config') return args[i + 1];
    if (args[i].startsWith('--config=')) return args[i].slice('--config='.length);
  }
  return undefined;
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const config = loadConfig(configFlag(rest));
  switch (command) {
    case 'start':
      await startServer(config);
      return;
    case 'migrate': {
      config.database.migrate = true;
      const applied = await withCliContext(config, async (app) => app.get(DatabaseMigrator).applied);
      process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'the database schema is up to date\n');
      return;
    }
    case 'clients':
      return withCliContext(config, (app) => clientsCommand(app, rest[0], rest.slice(1)));
    case 'idps':
      return withCliContext(config, (app) => idpsCommand(app, rest[0], rest.slice(1)));
    case 'keys':
      return withCliContext(config, (app) => keysCommand(app, rest[0], rest.slice(1)));
    case 'certs':
      return withCliContext(config, (app) => certsCommand(app, rest[0], rest.slice(1)));
    default:
      throw new UsageError(`unknown command ${command}\n\n${USAGE}`);
  }
}

main(process.argv.slice(2)).catch((error) => {
  if (error instanceof UsageError) {
    process.stderr.write(`grantry: ${error.message}\n`);
    process.exit(2);
  }
  exitWithError(error);
});
