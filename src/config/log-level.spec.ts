import { buildConfig, ConfigError } from './config-loader';
import { createLog } from '../observability/log';
import { LOG_LEVEL_SPELLINGS, pinoLevelOf } from './log-level';

describe('[logging] level spellings', () => {
  it.each([
    ['verbose', 'trace'], ['trace', 'trace'], ['TRACE', 'trace'], ['debug', 'debug'], ['DEBUG', 'debug'], ['info', 'info'], ['INFO', 'info'],
    ['log', 'info'], ['warn', 'warn'], ['WARN', 'warn'], ['warning', 'warn'], ['error', 'error'], ['ERROR', 'error'],
    ['fatal', 'fatal'], ['FATAL', 'fatal'], ['off', 'silent'], ['OFF', 'silent'], ['silent', 'silent'],
  ])('maps %s to pino level %s, at load and in the logger', (spelling, level) => {
    expect(pinoLevelOf(spelling)).toBe(level);
    const config = buildConfig({ logging: { level: spelling } }, { env: {} });
    expect(createLog(config.logging, { stream: { write: () => undefined } }).level).toBe(level);
  });

  it('refuses an unknown level naming the key and every accepted spelling', () => {
    let error: unknown;
    try {
      buildConfig({ logging: { level: 'loud' } }, { env: {} });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problem = (error as ConfigError).problems.find((line) => line.startsWith('logging.level'));
    expect(problem).toMatch(/^logging\.level = "loud": must be one of /);
    for (const spelling of LOG_LEVEL_SPELLINGS) expect(problem).toContain(spelling);
  });

  it('refuses a level that only looks like a key of the table (no prototype lookups)', () => {
    expect(pinoLevelOf('constructor')).toBeUndefined();
    expect(() => buildConfig({ logging: { level: 'toString' } }, { env: {} })).toThrow(ConfigError);
    expect(() => buildConfig({ logging: { level: 3 } }, { env: {} })).toThrow(ConfigError);
  });
});
