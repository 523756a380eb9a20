/**
 * Attacker-supplied text on its way into a log line: control characters escaped (a newline in
 * a client_id must not forge a second line), and a value longer than `max` shown only by its
 * first characters and length — a secret pasted into the client_id position is not logged whole.
 */
export function logValue(value: unknown, max = 64): string {
  const text = escapeControls(String(value));
  return text.length > max ? `${text.slice(0, 8)}…(${text.length} chars)` : text;
}

/** A whole log line: control characters escaped, bounded in length. */
export function logLine(text: string, max = 2000): string {
  const escaped = escapeControls(text);
  return escaped.length > max ? `${escaped.slice(0, max)}…(${escaped.length} chars)` : escaped;
}

function escapeControls(text: string): string {
  // C0, DEL, C1, and the Unicode line and paragraph separators.
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (char) => {
    const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
    return named[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}
