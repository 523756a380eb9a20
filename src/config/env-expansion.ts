/** `$env{NAME}` with a well-formed name, at the start of the text. */
const REFERENCE = /^\$env\{([A-Za-z_][A-Za-z0-9_]*)\}/;

/**
 * Replaces `$env{NAME}` (WSO2's syntax) in every string of a parsed TOML document.
 * An unset variable or a malformed reference (`$env{NAME` without its brace, `$env{}`,
 * `$env{1X}`) is a problem naming the key, so a missing secret stops start-up instead of
 * becoming an empty password or a literal `$env{...}`. With `problems`, every problem is
 * collected there (the reference is left as written); without, the first one throws.
 */
export function expandEnv(node: unknown, env: NodeJS.ProcessEnv, path = '', problems?: string[]): unknown {
  if (typeof node === 'string') return expandString(node, env, path || '(root)', problems);
  if (Array.isArray(node)) return node.map((item, i) => expandEnv(item, env, `${path}[${i}]`, problems));
  if (node && typeof node === 'object' && !(node instanceof Date)) {
    return Object.fromEntries(
      Object.entries(node).map(([key, value]) => [key, expandEnv(value, env, path ? `${path}.${key}` : key, problems)]),
    );
  }
  return node;
}

function expandString(text: string, env: NodeJS.ProcessEnv, key: string, problems?: string[]): string {
  const report = (problem: string) => {
    if (!problems) throw new Error(problem);
    problems.push(problem);
  };
  let out = '';
  let rest = text;
  for (let at = rest.indexOf('$env{'); at >= 0; at = rest.indexOf('$env{')) {
    out += rest.slice(0, at);
    rest = rest.slice(at);
    const match = REFERENCE.exec(rest);
    if (!match) {
      // The malformed reference as written: up to its closing brace, else to the end (shortened past 40 characters).
      const close = rest.indexOf('}');
      const consumed = close >= 0 ? close + 1 : rest.length;
      const written = consumed > 40 ? `${rest.slice(0, 40)}...` : rest.slice(0, consumed);
      report(
        close >= 0
          ? `${key}: malformed reference ${JSON.stringify(written)}: write $env{NAME}, NAME being letters, digits and _`
          : `${key}: unterminated reference ${JSON.stringify(written)}: write $env{NAME} with its closing brace`,
      );
      out += rest.slice(0, consumed);
      rest = rest.slice(consumed);
      continue;
    }
    const value = env[match[1]];
    if (value === undefined) {
      report(`${key}: environment variable ${match[1]} is not set`);
      out += match[0];
    } else {
      out += value;
    }
    rest = rest.slice(match[0].length);
  }
  return out + rest;
}
