/**
 * The most characters of one attacker-supplied value (an `iss`, a path, an error's detail) a log
 * line shows: a request may carry kilobytes of junk, the log keeps this much of it and its length.
 */
export const MAX_LOGGED_VALUE = 256;

/**
 * Attacker-supplied text on its way into a log line: control characters escaped (a newline in
 * a client_id must not forge a second line), and a value longer than `max` shown only by its
 * first characters and length — a secret pasted into the client_id position is not logged whole.
 */
export function logValue(value: unknown, max = 64): string {
  const text = escapeControls(String(value));
  return text.length > max ? `${text.slice(0, 8)}…(${text.length} chars)` : text;
}

/**
 * Attacker-supplied text that is worth reading (an error's detail, a request path): control
 * characters escaped, and at most `max` characters in all — the head of a longer value, then its
 * length. Every OAuthError detail and description reaches the log through this.
 */
export function logText(value: unknown, max = MAX_LOGGED_VALUE): string {
  return capLength(escapeControls(String(value)), max);
}

/**
 * At most `max` characters: the head of a longer text and its length. For fields a JSON encoder
 * escapes itself (structured log lines).
 */
export function capLength(text: string, max = MAX_LOGGED_VALUE): string {
  if (text.length <= max) return text;
  const tail = `…(${text.length} chars)`;
  return `${text.slice(0, Math.max(0, max - tail.length))}${tail}`;
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
