import type { LoggerService, LogLevel } from '@nestjs/common';
import pino, { type DestinationStream, type Level, type LevelWithSilent, type Logger as Pino } from 'pino';
import type { LoggingSettings } from '../config/config.schema';
import { BATCH_BYTES, BatchedLineDestination, ByteSink } from './log-destination';
import { pinoLevelOf } from '../config/log-level';

/** The process's one structured logger: Nest's `Logger`, request lines and audit events all write to it. */
export type GrantryLog = Pino;
/** Injection token of the `GrantryLog`. */
export const GRANTRY_LOG = Symbol('GRANTRY_LOG');

/**
 * Paths pino blanks in every object it logs — a second line of defence: grantry's own log calls
 * never pass these, but an object logged whole (a request, a form body) must not leak them.
 * Explicit paths only: a wildcard (`*.password`) makes pino walk every object and cost about
 * 25 µs a line, a fifth of a token request.
 */
export const REDACTED_PATHS = [
  'client_secret', 'client_assertion', 'assertion', 'password', 'refresh_token', 'access_token', 'id_token', 'code', 'code_verifier', 'token',
  'authorization', 'cookie', 'headers.authorization', 'headers.cookie', 'headers["set-cookie"]',
  ...['client_secret', 'client_assertion', 'assertion', 'password', 'refresh_token', 'access_token', 'id_token', 'code', 'code_verifier', 'token'].map((name) => `body.${name}`),
  'req.headers.authorization', 'req.headers.cookie',
];

/** `[logging] level` (WSO2 and Nest spellings included, validated at load) as a pino level. */
export function pinoLevel(level: string): LevelWithSilent {
  return pinoLevelOf(level) ?? 'info';
}

/** The most verbose of Nest's levels (`createApp`'s `logger` option) as a pino level. */
export function levelOfNestLevels(levels: LogLevel[] | false): LevelWithSilent {
  if (levels === false || !levels.length) return 'silent';
  const order: LogLevel[] = ['verbose', 'debug', 'log', 'warn', 'error', 'fatal'];
  return pinoLevel(order.find((level) => levels.includes(level)) ?? 'fatal');
}

export interface LogOptions {
  /** Overrides `[logging] level` (tests ask for errors only). */
  level?: LevelWithSilent;
  /** Where lines go instead of stdout (tests collect them). */
  stream?: DestinationStream;
  /** Whether stdout is a terminal (decides the default format). */
  stdoutIsTty?: boolean;
}

/**
 * pino-pretty's options for `[logging] format = "pretty"`: one line per event — the time, the
 * level, `[context]`, the message, then the other fields as compact JSON — rather than one line
 * per field (seven for a request). An audit event has no `msg` (its JSON line stays as it is): its
 * `event` (`token.issued`) is the message. Errors keep their stack on the lines below. Only
 * serialisable options: the transport runs in a worker thread.
 */
export const PRETTY_OPTIONS = {
  translateTime: 'SYS:HH:MM:ss.l',
  singleLine: true,
  messageFormat: '{if context}[{context}] {end}{if event}{event}{end}{msg}',
  // Shown in the message already, or noise on a terminal.
  ignore: 'pid,hostname,context,event',
  // Errors are logged as `err` (pino's key); `error` is an audit event's OAuth error code, a string.
  errorLikeObjectKeys: ['err'],
} as const;

/**
 * JSON lines on stdout, written asynchronously (a request never waits for the terminal or the
 * pipe); `pretty` for a terminal runs pino-pretty in a worker thread, which also honours
 * `NO_COLOR`. The default format is json unless stdout is a terminal.
 */
export function createLog(settings: LoggingSettings, options: LogOptions = {}): GrantryLog {
  const base = {
    level: options.level ?? pinoLevel(settings.level),
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    // pino's defaults, kept for speed: "time" in epoch milliseconds and "level" as pino's number
    // (30 info, 40 warn, 50 error); an ISO time and a level label cost as much again per line.
  };
  if (options.stream) return pino(base, options.stream);
  const format = settings.format ?? ((options.stdoutIsTty ?? process.stdout.isTTY) ? 'pretty' : 'json');
  if (format === 'pretty') {
    return pino({ ...base, transport: { target: 'pino-pretty', options: { destination: 1, ...PRETTY_OPTIONS } } });
  }
  // sonic-boom writes a full batch at once in the threadpool and keeps a smaller chunk until a
  // flush — so that a flush at shutdown writes it synchronously (see ByteSink). Buffer mode; its
  // typings know strings only.
  const stdout = pino.destination({ dest: 1, sync: false, minLength: BATCH_BYTES, maxWrite: 2 * BATCH_BYTES, contentMode: 'buffer' });
  const sink: ByteSink = {
    write: (chunk) => stdout.write(chunk as unknown as string),
    flush: (cb) => stdout.flush(cb),
    flushSync: () => stdout.flushSync(),
  };
  return pino(base, new BatchedLineDestination(sink));
}

/**
 * Writes out what the log still buffers, before returning. The destination does so when the
 * process exits normally; a stop by SIGTERM (Nest closes the app, then re-raises the signal) ends
 * the process without an exit event, so the shutdown calls this — or the last second of lines
 * would be lost.
 */
export function flushLogSync(log: GrantryLog): void {
  const stream = (log as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] as { flushSync?: () => void } | undefined;
  try {
    stream?.flushSync?.();
  } catch {
    // A destroyed or not yet opened stream has nothing more to give.
  }
}

/** Nest's start-up chatter (a line per module and route): debug, not info. */
const CHATTY_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory', 'NestApplication']);

/**
 * Nest's `LoggerService` over pino, so every `new Logger(context)` in grantry (and in Nest)
 * writes structured lines: `{ level, time, context, msg }`.
 */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly pino: GrantryLog) {}

  log(message: unknown, ...params: unknown[]): void {
    const context = contextOf(params);
    this.write(context !== undefined && CHATTY_CONTEXTS.has(context) ? 'debug' : 'info', message, context);
  }

  error(message: unknown, ...params: unknown[]): void {
    if (!this.pino.isLevelEnabled('error')) return;
    // Nest passes (message, stack?, context?).
    const context = params.length >= 2 || (params.length === 1 && !looksLikeStack(params[0])) ? contextOf(params) : undefined;
    const stack = params.length >= 2 ? params[0] : params.length === 1 && looksLikeStack(params[0]) ? params[0] : undefined;
    const fields: Record<string, unknown> = { context };
    if (stack) fields.stack = stack;
    if (message instanceof Error) this.pino.error({ ...fields, err: message }, message.message);
    else this.pino.error(fields, text(message));
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, contextOf(params));
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, contextOf(params));
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, contextOf(params));
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, contextOf(params));
  }

  private write(level: Level, message: unknown, context: string | undefined): void {
    if (!this.pino.isLevelEnabled(level)) return;
    if (message !== null && typeof message === 'object' && !(message instanceof Error)) this.pino[level]({ context, ...(message as object) });
    else this.pino[level]({ context }, text(message));
  }
}

function contextOf(params: unknown[]): string | undefined {
  const last = params[params.length - 1];
  return typeof last === 'string' ? last : undefined;
}

function looksLikeStack(value: unknown): boolean {
  // grantry escapes the newlines of a stack before logging it (logLine): both spellings count.
  return typeof value === 'string' && /(\n|\\n)\s+at /.test(value);
}

function text(message: unknown): string {
  return message instanceof Error ? message.message : String(message);
}
