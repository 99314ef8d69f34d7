/**
 * The static half of the JsVar estimate: what a boot file's *code* holds once it has loaded, read from its
 * syntax tree. Espruino keeps a whole scope alive while anything references it, so every function, class and
 * binding created at module level stays in RAM, while V8 (and so the runtime walk) drops what no closure uses.
 *
 * Per function created at load (program level, the bundle's IIFE, class methods): 1 function var, 1 code name
 * + 1 code var (the text stays in flash when booted from Storage), 1 scope link, 1 name var per parameter.
 * Per IIFE scope: 1 scope var. Per class: its
 * `prototype` object and name. Per binding of an IIFE scope: its name var (global bindings are counted by the
 * runtime walk, which sees the global object). Calibrated against espruino.md §7: see memory tests.
 */
import { parse } from 'acorn';
import { type AnyNode, children } from '../../../firmware/build/subset-scope';

const FUNCTION_VARS = 4;
const nameVars = (k: string): number => 1 + Math.ceil(Math.max(0, k.length - 10) / 12);

function isFunction(n: AnyNode): boolean {
  return (
    n.type === 'FunctionDeclaration' ||
    n.type === 'FunctionExpression' ||
    n.type === 'ArrowFunctionExpression'
  );
}

/** Function expressions invoked where they stand: `(function(){...})()`, `(() => {...})()`. */
function iifeBodies(program: AnyNode): AnyNode[] {
  const out: AnyNode[] = [];
  const visit = (n: AnyNode, depth: number): void => {
    if (depth > 4) return;
    if (n.type === 'CallExpression' && isFunction(n.callee) && n.callee.body.type === 'BlockStatement') {
      out.push(n.callee);
      for (const s of n.callee.body.body) visit(s, depth + 1);
      return;
    }
    if (isFunction(n)) return;
    children(n, (c) => visit(c, depth));
  };
  for (const s of program.body) visit(s, 0);
  return out;
}

function declaredNames(body: AnyNode[]): string[] {
  const names: string[] = [];
  for (const s of body) {
    if (s.type === 'VariableDeclaration') {
      for (const d of s.declarations) if (d.id.type === 'Identifier') names.push(d.id.name);
    } else if ((s.type === 'FunctionDeclaration' || s.type === 'ClassDeclaration') && s.id)
      names.push(s.id.name);
  }
  return names;
}

export interface BootCode {
  /** JsVars the code holds after it has run at load time. */
  vars: number;
  /**
   * Source text of every function created at load time. They all close over the same module scope, so the
   * runtime walk reads that scope once per boot file instead of once per function.
   */
  loadTimeFunctions: Set<string>;
  /** The code runs inside an IIFE (an esbuild bundle): every closure's outermost scope is that one scope. */
  iife: boolean;
}

/** Static JsVar cost and load-time functions of a boot file; zero/empty for unparseable source. */
export function analyseBootCode(source: string): BootCode {
  const loadTimeFunctions = new Set<string>();
  let program: AnyNode;
  try {
    program = parse(source, { ecmaVersion: 2022, sourceType: 'script', allowHashBang: true }) as AnyNode;
  } catch {
    return { vars: 0, loadTimeFunctions, iife: false };
  }
  const iifes = iifeBodies(program);
  const scopes = new Set<AnyNode>([program, ...iifes]);
  let total = 0;
  for (const s of scopes) {
    if (s === program) continue;
    total += 1;
    for (const n of declaredNames(s.body.body)) total += nameVars(n);
  }
  // Functions whose nearest enclosing function is a load-time scope are created once, at load.
  const visit = (n: AnyNode, owner: AnyNode): void => {
    if (isFunction(n)) {
      if (scopes.has(owner) && !scopes.has(n)) {
        total += FUNCTION_VARS + n.params.length;
        loadTimeFunctions.add(source.slice(n.start, n.end));
      }
      children(n, (c) => visit(c, n));
      return;
    }
    if (n.type === 'ClassDeclaration' || n.type === 'ClassExpression') {
      if (scopes.has(owner)) {
        total += 2;
        loadTimeFunctions.add(source.slice(n.start, n.end));
      }
      for (const m of n.body.body) {
        if (m.type === 'MethodDefinition' && scopes.has(owner)) {
          total += nameVars(m.key.name ?? String(m.key.value)) + FUNCTION_VARS + m.value.params.length;
          // V8 prints a method from its name (a static one from `static`); record both forms.
          loadTimeFunctions.add(source.slice(m.start, m.end));
          loadTimeFunctions.add(source.slice(m.key.start, m.end));
        }
        children(m, (c) => visit(c, m.value ?? m));
      }
      if (n.superClass) visit(n.superClass, owner);
      return;
    }
    children(n, (c) => visit(c, owner));
  };
  visit(program, program);
  return { vars: total, loadTimeFunctions, iife: iifes.length > 0 };
}
