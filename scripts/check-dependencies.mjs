#!/usr/bin/env node
/**
 * `npm run lint:deps`: the dependency rules of src/ (.dependency-cruiser.cjs, where each is
 * written down), then no cycle between src/'s folders — the one rule dependency-cruiser cannot
 * express (its folder rules see each directory on its own; see the config's header). One cruise
 * serves both. Exit status 0 when clean, 1 otherwise; warnings do not fail.
 */
import { fileURLToPath } from 'node:url';
import { cruise, format } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';

// Paths in the config and the report are relative to the repository root.
process.chdir(fileURLToPath(new URL('..', import.meta.url)));
const options = await extractDepcruiseOptions('./.dependency-cruiser.cjs');
const { output: result } = await cruise(['src'], options, undefined, { tsConfig: extractTSConfig(options.tsConfig.fileName) });

const rules = await format(result, { outputType: 'err' });
process.stdout.write(rules.output);

const cycles = folderCycles(result.modules);
for (const cycle of cycles) process.stdout.write(describe(cycle));
process.stdout.write(cycles.length ? `\nx ${cycles.length} cycle(s) between the folders of src/.\n` : '✔ no cycle between the folders of src/.\n');
process.exitCode = rules.exitCode > 0 || cycles.length ? 1 : 0;

/** `src/oauth/token/token.service.ts` -> `oauth`; files directly in src/ (the app module, main) stand for themselves. */
function folderOf(path) {
  const match = /^src\/([^/]+)(\/)?/.exec(path);
  return match && (match[2] ? match[1] : match[1].replace(/\.[cm]?[jt]s$/, ''));
}

/**
 * The strongly connected components (Tarjan) of the folder graph with more than one folder, each
 * with one shortest cycle through it and, per hop, the imports that make it.
 */
function folderCycles(modules) {
  /** @type {Map<string, Map<string, string[]>>} folder -> folder -> "a.ts -> b.ts" */
  const edges = new Map();
  for (const module of modules) {
    const from = folderOf(module.source);
    if (!from) continue;
    for (const dependency of module.dependencies) {
      const to = folderOf(dependency.resolved);
      if (!to || to === from) continue;
      if (!edges.has(from)) edges.set(from, new Map());
      const imports = edges.get(from).get(to) ?? [];
      imports.push(`${module.source} → ${dependency.resolved}`);
      edges.get(from).set(to, imports);
    }
  }
  const next = (folder) => [...(edges.get(folder)?.keys() ?? [])].sort();

  const index = new Map();
  const low = new Map();
  const stack = [];
  const components = [];
  const visit = (folder) => {
    index.set(folder, index.size);
    low.set(folder, index.get(folder));
    stack.push(folder);
    for (const to of next(folder)) {
      if (!index.has(to)) {
        visit(to);
        low.set(folder, Math.min(low.get(folder), low.get(to)));
      } else if (stack.includes(to)) {
        low.set(folder, Math.min(low.get(folder), index.get(to)));
      }
    }
    if (low.get(folder) === index.get(folder)) {
      const component = [];
      let member;
      do component.push((member = stack.pop()));
      while (member !== folder);
      if (component.length > 1) components.push(component);
    }
  };
  for (const folder of [...edges.keys()].sort()) if (!index.has(folder)) visit(folder);

  return components.map((component) => {
    const members = new Set(component);
    const start = component.sort()[0];
    const path = shortestCycle(start, (folder) => next(folder).filter((to) => members.has(to)));
    return { members: [...members].sort(), hops: path.slice(1).map((to, i) => ({ from: path[i], to, imports: edges.get(path[i]).get(to) })) };
  });
}

/** Breadth-first: the shortest path from `start` back to itself. */
function shortestCycle(start, next) {
  const previous = new Map();
  const queue = [start];
  while (queue.length) {
    const folder = queue.shift();
    for (const to of next(folder)) {
      if (to === start) {
        const between = [];
        for (let at = folder; at !== start; at = previous.get(at)) between.unshift(at);
        return [start, ...between, start];
      }
      if (!previous.has(to)) {
        previous.set(to, folder);
        queue.push(to);
      }
    }
  }
  return [start];
}

function describe({ members, hops }) {
  const lines = [`  error no-folder-cycle: ${hops.map((hop) => hop.from).join(' → ')} → ${hops[0].from}${members.length > hops.length ? ` (folders in the cycle: ${members.join(', ')})` : ''}`];
  for (const { from, to, imports } of hops) {
    lines.push(`      ${from} → ${to}: ${imports[0]}${imports.length > 1 ? ` (+${imports.length - 1} more)` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}
