#!/usr/bin/env node
/**
 * `npm run build:packages [name...]`: builds the publishable packages of packages/ from src/.
 * `@grantry/resource-server` and `@grantry/plugin-sdk` are compiled from the same source files the
 * server runs (one copy of the token checks in the repository), each by its packages/<name>/tsconfig.json
 * into packages/<name>/dist, and then pruned to what their entry point reaches: the modules its
 * code requires (resource-server) and the declarations its types name — so a package carries
 * neither the server's other code nor its dependencies. A package that reaches a module outside its
 * `allowed` list fails the build: the guard reaches only jose and Nest, and the SDK's declarations
 * only their own files and Node's built-in modules (`node:*`, whose types every Node program has),
 * so a plugin compiles against the SDK alone, without skipLibCheck. `@grantry/plugin-testing` has
 * no build. Exit status 0 when every package built, 1 otherwise (with the reason).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

/** What each package ships: the entry whose code (`js`) and declarations are kept, and the packages they may reach (`allowed`). */
const PACKAGES = {
  'resource-server': { entry: 'dist/resource-server/index', js: true, allowed: ['@nestjs/common', '@nestjs/core', 'jose'] },
  'plugin-sdk': { entry: 'dist/plugin-sdk/index', js: false, allowed: [] },
};

const wanted = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(PACKAGES);
for (const name of wanted) {
  const spec = PACKAGES[name];
  if (!spec) throw new Error(`no package ${name} to build (${Object.keys(PACKAGES).join(', ')})`);
  const dir = join(ROOT, 'packages', name);
  rmSync(join(dir, 'dist'), { recursive: true, force: true });
  execFileSync(process.execPath, [TSC, '-p', join(dir, 'tsconfig.json')], { stdio: 'inherit', cwd: dir });
  const keep = new Set();
  const external = new Set();
  if (spec.js) reach(resolve(dir, `${spec.entry}.js`), /require\("([^"]+)"\)/g, '.js', keep, external);
  // Declarations name modules by `from`, `import(...)` and `/// <reference types="...">` (a types package).
  reach(resolve(dir, `${spec.entry}.d.ts`), /(?:from |import\(|<reference types=)["']([^"']+)["']/g, '.d.ts', keep, external);
  let removed = 0;
  for (const file of filesUnder(join(dir, 'dist'))) {
    if (!keep.has(file)) (rmSync(file), removed++);
  }
  removeEmptyDirectories(join(dir, 'dist'));
  const foreign = [...external].filter((module) => !module.startsWith('node:') && !spec.allowed.includes(module));
  if (foreign.length) {
    process.stderr.write(`build-packages: ${name} reaches ${foreign.join(', ')}, which it does not depend on\n`);
    process.exit(1);
  }
  process.stdout.write(`@grantry/${name}: ${keep.size} files in packages/${name}/dist (${removed} unreached removed); imports ${[...external].sort().join(', ')}\n`);
}

/** Walks the relative imports from `file`, adding each file to `keep` and each package to `external`. */
function reach(file, pattern, extension, keep, external) {
  if (keep.has(file)) return;
  if (!existsSync(file)) throw new Error(`build-packages: ${relative(ROOT, file)} is missing`);
  keep.add(file);
  for (const [, target] of readFileSync(file, 'utf8').matchAll(pattern)) {
    if (!target.startsWith('.')) {
      // Node's modules count as `node:*` however named: `/// <reference types="node" />` and a bare `crypto` too.
      const module = target.startsWith('@') ? target.split('/').slice(0, 2).join('/') : target.split('/')[0];
      external.add(module === 'node' || builtinModules.includes(module) ? `node:${module}` : module);
      continue;
    }
    const base = resolve(dirname(file), target);
    reach(existsSync(`${base}${extension}`) ? `${base}${extension}` : join(base, `index${extension}`), pattern, extension, keep, external);
  }
}

function filesUnder(dir) {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

function removeEmptyDirectories(dir) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) removeEmptyDirectories(path);
  }
  if (!readdirSync(dir).length) rmSync(dir, { recursive: true });
}
