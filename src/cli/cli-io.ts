/**
 * Where a CLI run reads its environment and writes its output: the process's own streams for
 * the `grantry` binary, buffers for tests that run the CLI in-process.
 */
export interface CliIO {
  /** The command's output (with --json: the bare record or array, nothing else). */
  stdout: { write(text: string): unknown };
  /** Messages, warnings and failures. */
  stderr: { write(text: string): unknown };
  /** Where passwords are read from when no file or variable is named (a hidden prompt on a terminal). */
  stdin?: NodeJS.ReadableStream;
  /** Replaces process.env: `$env{...}`, DATABASE_URL, GRANTRY_CONFIG, GRANTRY_MASTER_KEY, GRANTRY_DEBUG. */
  env: NodeJS.ProcessEnv;
  /** Stops `start` (closes the server) when aborted; the binary stops on SIGTERM/SIGINT instead. */
  signal?: AbortSignal;
}
