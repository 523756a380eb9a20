/** A plugin that cannot be used: stops start-up with one line naming the file and the reason. */
export class PluginLoadError extends Error {
  override name = 'PluginLoadError';
}

/** A plugin that failed at request time: answered as server_error with a correlation id, logged with the file. */
export class PluginFailure extends Error {
  override name = 'PluginFailure';
  constructor(file: string, reason: string, options?: { cause?: unknown }) {
    super(`plugin ${file}: ${reason}`, options);
  }
}
