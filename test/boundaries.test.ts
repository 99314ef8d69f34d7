/**
 * Dependency rules (issue #2): protocol imports no `node:*`, no Buffer and no other workspace; firmware and
 * host never import each other; nothing imports test/. Walks every source file's import specifiers with the
 * TypeScript scanner (no regex guessing about comments or strings).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');

function files(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else if (/\.(ts|mts|js|mjs)$/.test(name)) out.push(p);
  }
  return out;
}

function imports(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return info.importedFiles.map((f) => f.fileName);
}

function pkgOf(file: string): string {
  return relative(ROOT, file).split('/')[0] ?? '';
}

function resolvesInto(file: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  return pkgOf(resolve(file, '..', spec));
}

const PACKAGES = ['protocol', 'firmware', 'host', 'simulator'];
const all = PACKAGES.flatMap((p) => files(join(ROOT, p)));

describe('dependency boundaries', () => {
  it('finds the sources it checks', () => {
    expect(all.length).toBeGreaterThan(5);
  });

  it('protocol/src imports no node:*, no other workspace and never names Buffer', () => {
    const bad: string[] = [];
    for (const f of files(join(ROOT, 'protocol', 'src'))) {
      for (const s of imports(f)) {
        if (s.startsWith('node:') || s.startsWith('@badgewire/')) bad.push(`${relative(ROOT, f)} -> ${s}`);
        const into = resolvesInto(f, s);
        if (into && into !== 'protocol') bad.push(`${relative(ROOT, f)} -> ${s}`);
      }
      const src = ts.createSourceFile(f, readFileSync(f, 'utf8'), ts.ScriptTarget.Latest);
      const visit = (n: ts.Node): void => {
        if (ts.isIdentifier(n) && n.text === 'Buffer') bad.push(`${relative(ROOT, f)} uses Buffer`);
        ts.forEachChild(n, visit);
      };
      visit(src);
    }
    expect(bad).toEqual([]);
  });

  it('firmware and host never import each other', () => {
    const bad: string[] = [];
    for (const [from, to] of [
      ['firmware', 'host'],
      ['host', 'firmware'],
    ] as const) {
      for (const f of files(join(ROOT, from))) {
        for (const s of imports(f)) {
          if (s === `@badgewire/${to}` || s.startsWith(`@badgewire/${to}/`) || resolvesInto(f, s) === to)
            bad.push(`${relative(ROOT, f)} -> ${s}`);
        }
      }
    }
    expect(bad).toEqual([]);
  });

  it('nothing in a package imports test/', () => {
    const bad: string[] = [];
    for (const f of all) {
      for (const s of imports(f)) if (resolvesInto(f, s) === 'test') bad.push(`${relative(ROOT, f)} -> ${s}`);
    }
    expect(bad).toEqual([]);
  });

  it('the rule checker itself catches a violation', () => {
    const probe = ts.preProcessFile(
      "import { x } from 'node:fs'; import y from '../../host/src/index';",
      true,
      true,
    );
    expect(probe.importedFiles.map((f) => f.fileName)).toEqual(['node:fs', '../../host/src/index']);
    expect(resolvesInto(join(ROOT, 'firmware', 'src', 'a', 'b.ts'), '../../../host/src/index')).toBe('host');
  });
});
