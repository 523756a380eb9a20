/**
 * Replaces `$env{NAME}` (WSO2's syntax) in every string of a parsed TOML document.
 * An unset variable is an error naming the key, so a missing secret stops start-up
 * instead of becoming an empty password.
 */
export function expandEnv(node: unknown, env: NodeJS.ProcessEnv, path = ''): unknown {
  if (typeof node === 'string') {
    return node.replace(/\$env\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
      const value = env[name];
      if (value === undefined) {
        throw new Error(`${path || '(root)'}: environment variable ${name} is not set`);
      }
      return value;
    });
  }
  if (Array.isArray(node)) return node.map((item, i) => expandEnv(item, env, `${path}[${i}]`));
  if (node && typeof node === 'object' && !(node instanceof Date)) {
    return Object.fromEntries(
      Object.entries(node).map(([key, value]) => [key, expandEnv(value, env, path ? `${path}.${key}` : key)]),
    );
  }
  return node;
}
