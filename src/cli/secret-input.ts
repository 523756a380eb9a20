import { createInterface } from 'node:readline';
import type { CliIO } from './cli-io';

/**
 * One line from `input`: a hidden prompt on a terminal (nothing echoed), else the first line of
 * what is piped in (`printf '%s\n' "$PW" | grantry users set-password ID`).
 */
export function readSecretLine(input: NonNullable<CliIO['stdin']>, prompt: CliIO['stderr'], question: string): Promise<string> {
  const terminal = (input as { isTTY?: boolean }).isTTY === true;
  if (terminal) prompt.write(question);
  const muted = { write: () => true } as unknown as NodeJS.WritableStream;
  const lines = createInterface({ input, output: terminal ? muted : undefined, terminal });
  return new Promise((resolve, reject) => {
    let answered = false;
    lines.once('line', (line) => {
      answered = true;
      if (terminal) prompt.write('\n');
      lines.close();
      resolve(line);
    });
    lines.once('close', () => {
      if (!answered) reject(new Error('no password was given on stdin'));
    });
  });
}
