#!/usr/bin/env node
/** `npm start`: `grantry start` with config/deployment.toml (or --config / GRANTRY_CONFIG), else defaults. */
import { runAsProcess } from './cli/run-cli';

runAsProcess(['start', ...process.argv.slice(2)]);
