import pino from 'pino';
import { JsonLineWriter, numberField, stringField, stringsField } from './json-line';

/** A pino logger writing into an array, and the same logger's template writer. */
function loggers(level = 'info') {
  const lines: string[] = [];
  const log = pino({ level }, { write: (line: string) => void lines.push(line) }).child({ context: 'http' });
  return { lines, log, writer: new JsonLineWriter(log) };
}

/** The two lines with their `time` (the only field that may differ) blanked. */
function withoutTime(lines: string[]): string[] {
  return lines.map((line) => line.replace(/"time":\d+/, '"time":0'));
}

describe('JsonLineWriter', () => {
  it.each([
    ['plain identifiers', { client_id: 'abc-123', grant_type: 'client_credentials' }],
    ['quotes, backslashes and control characters', { client_id: 'a"b\\c\n\td\u0001', grant_type: '</script>' }],
    ['non-ASCII', { client_id: 'clïent 客户 😀', grant_type: 'ü' }],
    ['a missing field', { client_id: undefined, grant_type: 'password' }],
  ])('writes what pino writes: %s', (_name, fields) => {
    const { lines, log, writer } = loggers();
    log.info({ method: 'POST', status: 200, duration_ms: 1.25, client_id: fields.client_id, grant_type: fields.grant_type, aud: ['https://a', 'b"c'] }, 'request');
    writer.info(
      stringField('method', 'POST') + numberField('status', 200) + numberField('duration_ms', 1.25) +
        stringField('client_id', fields.client_id) + stringField('grant_type', fields.grant_type) + stringsField('aud', ['https://a', 'b"c']),
      'request',
    );
    expect(lines).toHaveLength(2);
    const [viaPino, viaTemplate] = withoutTime(lines);
    expect(viaTemplate).toBe(viaPino);
    expect(JSON.parse(viaTemplate)).toMatchObject({ level: 30, context: 'http', method: 'POST', msg: 'request' });
  });

  it('escapes a lone surrogate (pino writes it raw, so it reaches the log as U+FFFD)', () => {
    const { lines, writer } = loggers();
    writer.info(stringField('client_id', 'x\ud800y'));
    expect(lines[0]).toContain('"client_id":"x\\ud800y"');
    expect(JSON.parse(lines[0]).client_id).toBe('x\ud800y');
  });

  it('writes a number that is not finite as null, and no msg when none is given', () => {
    const { lines, log, writer } = loggers();
    log.info({ duration_ms: NaN, aud: [] });
    writer.info(numberField('duration_ms', NaN) + stringsField('aud', []));
    const [viaPino, viaTemplate] = withoutTime(lines);
    expect(viaTemplate).toBe(viaPino);
  });

  it('follows the logger level, also when it changes at run time', () => {
    const { lines, log, writer } = loggers('warn');
    expect(writer.enabled).toBe(false);
    log.level = 'info';
    expect(writer.enabled).toBe(true);
    writer.info(stringField('event', 'x'));
    expect(lines).toHaveLength(1);
  });
});
