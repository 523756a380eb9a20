#!/usr/bin/env node
/** The `grantry` binary (npm's `bin` entry): the CLI (run-cli.ts) on this process's streams. */
import { runAsProcess } from './run-cli';

runAsProcess(process.argv.slice(2));
