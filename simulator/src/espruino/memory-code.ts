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

/** JsVars the code of `source` holds after it has run at load time; 0 for unparseable source. */
export function staticCodeVars(source: string): number {
  let program: AnyNode;
  try {
    program = parse(source, { ecmaVersion: 2022, sourceType: 'script', allowHashBang: true }) as AnyNode;
  } catch {
    return 0;
  }
  const scopes = new Set<AnyNode>([program, ...iifeBodies(program)]);
  let total = 0;
  for (const s of scopes) {
    if (s === program) continue;
    total += 1;
    for (const n of declaredNames(s.body.body)) total += nameVars(n);
  }
  // Functions whose nearest enclosing function is a load-time scope are created once, at load.
  const visit = (n: AnyNode, owner: AnyNode): void => {
    if (isFunction(n)) {
      if (scopes.has(owner) && !scopes.has(n)) total += FUNCTION_VARS + n.params.length;
      children(n, (c) => visit(c, n));
      return;
    }
    if (n.type === 'ClassDeclaration' || n.type === 'ClassExpression') {
      if (scopes.has(owner)) total += 2;
      for (const m of n.body.body) {
        if (m.type === 'MethodDefinition' && scopes.has(owner))
          total += nameVars(m.key.name ?? String(m.key.value)) + FUNCTION_VARS + m.value.params.length;
        children(m, (c) => visit(c, m.value ?? m));
      }
      if (n.superClass) visit(n.superClass, owner);
      return;
    }
    children(n, (c) => visit(c, owner));
  };
  visit(program, program);
  return total;
}
