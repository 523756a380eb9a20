#!/usr/bin/env node
import { startServer } from './app.factory';
import { exitWithError } from './common/fatal';
import { loadConfig } from './config/config-loader';

/** `npm start`: serve with config/deployment.toml (or --config / GRANTRY_CONFIG), else defaults. */
async function main(): Promise<void> {
  const flag = process.argv.indexOf('--config');
  const config = loadConfig(flag >= 0 ? process.argv[flag + 1] : undefined);
  await startServer(config);
}

main().catch(exitWithError);
