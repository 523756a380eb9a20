import { createHash } from 'node:crypto';

/**
 * A deliberately small, Mustache-like template language in which every output is escaped:
 *
 * - `{{name}}`, `{{a.b}}`, `{{.}}`: the value, HTML-escaped (& < > " ' and backtick);
 * - `{{#name}}...{{/name}}`: repeated for each item of a list, once for any other truthy value;
 * - `{{^name}}...{{/name}}`: rendered when the value is missing, false, empty or an empty list;
 * - `{{! comment }}`.
 *
 * There is no raw output (`{{{x}}}`, `{{&x}}`), no partials and no delimiter change. At compile
 * time a template is refused when a value would land where escaping cannot protect it: outside
 * a quoted attribute value inside a tag, or inside `<script>` or `<style>` — the inline script
 * and style stay fixed text, so their CSP hashes are known at start-up (`inlineHashes`).
 */

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'value'; name: string; line: number }
  | { kind: 'section'; name: string; inverted: boolean; children: Node[]; line: number };

/** `'sha256-...'` CSP source expressions of the template's inline `<style>` and `<script>` contents. */
export interface InlineHashes {
  style: string[];
  script: string[];
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => ESCAPES[c]);
}

const NAME = /^(\.|[A-Za-z_]\w*(\.[A-Za-z_]\w*)*)$/;
const RAW_TEXT = /<(script|style)\b([^>]*)>([\s\S]*?)<\/\1\s*>/gi;

export class Template {
  private constructor(
    private readonly nodes: Node[],
    readonly file: string,
    readonly inlineHashes: InlineHashes,
  ) {}

  /** Parses `source`; errors name `file` and the line. CRLF becomes LF, as the HTML parser would make it before hashing. */
  static compile(source: string, file: string): Template {
    const text = source.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
    const fail = (line: number, message: string): never => {
      throw new Error(`template ${file}, line ${line}: ${message}`);
    };
    const nodes = parse(text, fail);
    checkPlacement(text, fail);
    return new Template(nodes, file, inlineHashesOf(text));
  }

  render(context: object): string {
    return renderNodes(this.nodes, [context]);
  }

  /**
   * Names the template uses that `sample` (a context with every key present and every list
   * non-empty) does not have, and values that are lists or objects: typos fail start-up instead
   * of rendering blanks. Both branches of every section are checked.
   */
  problems(sample: object): string[] {
    const found: string[] = [];
    const walk = (nodes: Node[], stack: unknown[]): void => {
      for (const node of nodes) {
        if (node.kind === 'text') continue;
        const { found: known, value } = resolve(stack, node.name);
        if (!known) {
          found.push(`line ${node.line}: unknown name {{${node.name}}}`);
        } else if (node.kind === 'value' && value !== null && typeof value === 'object') {
          found.push(`line ${node.line}: {{${node.name}}} is a list or object; use a section`);
        }
        if (node.kind === 'section') {
          const item = Array.isArray(value) ? value[0] : value;
          walk(node.children, node.inverted || item === undefined ? stack : [...stack, item]);
        }
      }
    };
    walk(this.nodes, [sample]);
    return found;
  }
}

function parse(text: string, fail: (line: number, message: string) => never): Node[] {
  const root: Node[] = [];
  const open: { name: string; line: number; children: Node[] }[] = [];
  let target = root;
  let at = 0;
  const lineAt = (index: number) => text.slice(0, index).split('\n').length;
  while (at < text.length) {
    const start = text.indexOf('{{', at);
    if (start < 0) break;
    if (start > at) target.push({ kind: 'text', text: text.slice(at, start) });
    const line = lineAt(start);
    const end = text.indexOf('}}', start + 2);
    if (end < 0) fail(line, 'unclosed {{');
    const tag = text.slice(start + 2, end).trim();
    at = end + 2;
    const sigil = tag[0];
    if (sigil === '!') continue;
    if (sigil === '{' || sigil === '&' || sigil === '>' || sigil === '=') {
      fail(line, `{{${tag}}}: raw output, partials and delimiter changes are not supported`);
    }
    const name = '#^/'.includes(sigil) ? tag.slice(1).trim() : tag;
    if (!NAME.test(name)) fail(line, `{{${tag}}}: not a name`);
    if (sigil === '#' || sigil === '^') {
      const section: Node = { kind: 'section', name, inverted: sigil === '^', children: [], line };
      target.push(section);
      open.push({ name, line, children: target });
      target = section.children;
    } else if (sigil === '/') {
      const last = open.pop();
      if (!last || last.name !== name) fail(line, `{{/${name}}} closes ${last ? `{{#${last.name}}}` : 'no section'}`);
      target = last!.children;
    } else {
      target.push({ kind: 'value', name, line });
    }
  }
  if (at < text.length) target.push({ kind: 'text', text: text.slice(at) });
  const unclosed = open.pop();
  if (unclosed) fail(unclosed.line, `{{#${unclosed.name}}} is never closed`);
  return root;
}

/** Values only in text or in quoted attribute values; no tags at all inside `<script>` / `<style>`. */
function checkPlacement(text: string, fail: (line: number, message: string) => never): void {
  const lineAt = (index: number) => text.slice(0, index).split('\n').length;
  for (const match of text.matchAll(RAW_TEXT)) {
    if (match[0].includes('{{')) fail(lineAt(match.index!), `no {{...}} inside <${match[1]}>: its CSP hash must be fixed`);
  }
  const outsideRaw = text.replace(RAW_TEXT, (m) => m.replace(/[^\n]/g, ' '));
  for (let i = 0; i < outsideRaw.length; i++) {
    if (outsideRaw[i] !== '<' || !/[A-Za-z]/.test(outsideRaw[i + 1] ?? '')) continue;
    let quote: string | undefined;
    for (i++; i < outsideRaw.length; i++) {
      const c = outsideRaw[i];
      if (quote) {
        if (c === quote) quote = undefined;
      } else if (c === '"' || c === "'") {
        quote = c;
      } else if (c === '>') {
        break;
      } else if (c === '{' && outsideRaw[i + 1] === '{' && !'#^/!'.includes(outsideRaw[i + 2])) {
        fail(lineAt(i), 'a {{value}} inside a tag must be in a quoted attribute value');
      }
    }
  }
}

function inlineHashesOf(text: string): InlineHashes {
  const hashes: InlineHashes = { style: [], script: [] };
  for (const [, element, , content] of text.matchAll(RAW_TEXT)) {
    const hash = `'sha256-${createHash('sha256').update(content, 'utf8').digest('base64')}'`;
    const list = element.toLowerCase() === 'style' ? hashes.style : hashes.script;
    if (!list.includes(hash)) list.push(hash);
  }
  return hashes;
}

function resolve(stack: unknown[], name: string): { found: boolean; value: unknown } {
  if (name === '.') return { found: true, value: stack[stack.length - 1] };
  const [head, ...rest] = name.split('.');
  for (let i = stack.length - 1; i >= 0; i--) {
    let value = stack[i];
    if (!isRecord(value) || !Object.hasOwn(value, head)) continue;
    value = value[head];
    for (const key of rest) {
      // Own properties only: no way to reach prototypes (`constructor`, `__proto__`).
      if (!isRecord(value) || !Object.hasOwn(value, key)) return { found: false, value: undefined };
      value = value[key];
    }
    return { found: true, value };
  }
  return { found: false, value: undefined };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object';
}

function renderNodes(nodes: Node[], stack: unknown[]): string {
  let out = '';
  for (const node of nodes) {
    if (node.kind === 'text') {
      out += node.text;
      continue;
    }
    const { value } = resolve(stack, node.name);
    if (node.kind === 'value') {
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out += escapeHtml(String(value));
    } else if (node.inverted) {
      if (!value || (Array.isArray(value) && value.length === 0)) out += renderNodes(node.children, stack);
    } else if (Array.isArray(value)) {
      for (const item of value) out += renderNodes(node.children, [...stack, item]);
    } else if (value) {
      out += renderNodes(node.children, [...stack, value]);
    }
  }
  return out;
}
