import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PluginLoadError } from './plugin-errors';

export type PluginClass = new (context: unknown) => Record<string, unknown>;

/** A module path (relative, absolute, or with a JS extension) or a package name, as opposed to a WSO2 Java class name. */
export function isModuleSpecifier(value: string): boolean {
  return /^(\.{1,2}\/|\/|@)/.test(value) || /\.(c|m)?js$/.test(value) || value.includes('/');
}

/** An `[[event_listener]]` entry that names a drop-in module (the plugin loader's, enabled or not) rather than a built-in. */
export function namesPluginModule(listener: { name?: string }): boolean {
  return listener.name !== undefined && isModuleSpecifier(listener.name);
}

/**
 * Resolves `spec` (relative paths from the config file's directory, else as a package from
 * there), loads it — CommonJS, or ESM through `require` (Node ≥ 20.19) or `import()` — and
 * returns its default export, which must be a class.
 */
export async function loadPluginClass(spec: string, configDir: string): Promise<{ Plugin: PluginClass; file: string }> {
  const file = resolveSpecifier(spec, configDir);
  let loaded: Record<string, unknown>;
  try {
    loaded = require(file);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== 'ERR_REQUIRE_ESM' && code !== 'ERR_REQUIRE_ASYNC_MODULE') {
      throw new PluginLoadError(`${file}: cannot load: ${firstLine(error)}`);
    }
    try {
      loaded = await dynamicImport(pathToFileURL(file).href);
    } catch (importError) {
      throw new PluginLoadError(`${file}: cannot load: ${firstLine(importError)}`);
    }
  }
  const Plugin = (loaded && typeof loaded === 'object' && 'default' in loaded ? loaded.default : loaded) as unknown;
  if (typeof Plugin !== 'function' || !Plugin.prototype) {
    throw new PluginLoadError(`${file}: the default export (export default / module.exports) must be a class, not ${describe(Plugin)}`);
  }
  return { Plugin: Plugin as PluginClass, file };
}

function resolveSpecifier(spec: string, configDir: string): string {
  if (spec.startsWith('.') || isAbsolute(spec)) {
    const file = resolve(configDir, spec);
    if (!existsSync(file)) throw new PluginLoadError(`${file}: no such file (${spec}, relative to ${configDir})`);
    return file;
  }
  try {
    return require.resolve(spec, { paths: [configDir] });
  } catch {
    throw new PluginLoadError(`${spec}: package not found from ${configDir}`);
  }
}

// Kept out of TypeScript's reach: compiled to CommonJS, a literal import() would become require().
const dynamicImport = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<Record<string, unknown>>;

function firstLine(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.split('\n')[0];
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return /^[aeiou]/.test(typeof value) ? `an ${typeof value}` : `a ${typeof value}`;
}
