/**
 * The shape of src/: data flows one way, so no module imports itself back through others (type-only
 * imports included), neither version's codec imports the other's, and the runtime-agnostic core
 * imports nothing of Node (or of the Node integration and CLI built on it).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const SRC = fileURLToPath(new URL('../src', import.meta.url));

/** Every .ts file under src/, by its path relative to src/ ('v1.ts', 'node/socket.ts'). */
function sourceFiles(): string[] {
  return (readdirSync(SRC, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.split('\\').join('/'))
    .sort();
}

/** What `file` imports or re-exports: relative modules as paths under src/, others as written. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(SRC, file), 'utf8');
  const specifiers = [...text.matchAll(/^\s*(?:import|export)\b[^'";]*?\bfrom\s+['"]([^'"]+)['"]/gm)].map((m) => m[1] as string);
  return specifiers.map((s) => {
    if (!s.startsWith('.')) return s;
    const path = relative(SRC, resolve(dirname(join(SRC, file)), s))
      .split('\\')
      .join('/');
    return path.replace(/\.js$/, '.ts');
  });
}

const files = sourceFiles();
const graph = new Map(files.map((f) => [f, importsOf(f)]));

/** Each cycle found by a depth-first walk, as the list of modules around it. */
function cycles(): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string) => {
    state.set(file, 'open');
    stack.push(file);
    for (const dep of graph.get(file) ?? []) {
      if (!graph.has(dep)) continue;
      if (state.get(dep) === 'open') found.push([...stack.slice(stack.indexOf(dep)), dep]);
      else if (state.get(dep) === undefined) visit(dep);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of files) if (state.get(file) === undefined) visit(file);
  return found;
}

describe('source structure', () => {
  test('the import graph is read (sanity: it has the codecs and their edges)', () => {
    expect(files).toContain('v1.ts');
    expect(files).toContain('v2.ts');
    expect(graph.get('v1.ts')).toContain('address.ts');
    expect(graph.get('v2.ts')).toContain('address.ts');
    // Every relative import resolves to a file that exists, so that no edge is missed.
    for (const [file, deps] of graph) {
      for (const dep of deps) if (!dep.startsWith('node:') && dep.endsWith('.ts')) expect(files, `${file} → ${dep}`).toContain(dep);
    }
  });

  test('no import cycle, type-only imports included', () => {
    expect(cycles().map((c) => c.join(' → '))).toEqual([]);
  });

  test('neither version codec imports the other', () => {
    expect(graph.get('v1.ts')).not.toContain('v2.ts');
    expect(graph.get('v2.ts')).not.toContain('v1.ts');
  });

  test('the core imports nothing of Node, the Node integration or the CLI', () => {
    const core = files.filter((f) => !f.includes('/'));
    expect(core.length).toBeGreaterThan(10);
    for (const file of core) {
      for (const dep of graph.get(file) ?? []) {
        expect(dep, `${file} imports ${dep}`).not.toMatch(/^node:|^(node|cli)\//);
        expect(dep.startsWith('.') || dep.endsWith('.ts'), `${file} imports the package ${dep}`).toBe(true);
      }
    }
  });
});
