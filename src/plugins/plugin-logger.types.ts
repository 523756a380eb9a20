// Types only, importing nothing: the plugin SDK's declarations reach this file.

/**
 * `context.logger` of a plugin: Nest's `LoggerService` written out, so the plugin SDK names no
 * Nest type (a plugin may still hand it to anything that takes a LoggerService). grantry passes
 * a Nest `Logger` whose context is `plugin:<name>`.
 */
export interface PluginLogger {
  log(message: unknown, ...optionalParams: unknown[]): void;
  error(message: unknown, ...optionalParams: unknown[]): void;
  warn(message: unknown, ...optionalParams: unknown[]): void;
  debug?(message: unknown, ...optionalParams: unknown[]): void;
  verbose?(message: unknown, ...optionalParams: unknown[]): void;
  fatal?(message: unknown, ...optionalParams: unknown[]): void;
}
