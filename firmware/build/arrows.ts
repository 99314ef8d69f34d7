/**
 * A size pass over esbuild's minified IIFE: each top-level `function f(a,b){...}` of the bundle that cannot tell
 * the difference becomes `let f=(a,b)=>...`, consecutive ones share one `let`, and a body that only returns
 * loses its braces and `return`. About 10 bytes per function (issue #4); the sources keep plain declarations.
 *
 * "Cannot tell the difference": no `this`, `arguments`, `new.target` or `super` of its own, never a `new` target,
 * its `prototype` never read, not async or a generator, plain parameters. Function declarations are hoisted
 * and `let` bindings are not, so the pass runs only on a bundle the subset gate has accepted, whose
 * use-before-define rule already refuses any load-time use of a function above its declaration (subset.ts).
 */
import { parse } from 'acorn';
import { type AnyNode, children } from './subset-scope';

function isFunction(n: AnyNode): boolean {
  return n.type === 'FunctionDeclaration' || n.type === 'FunctionExpression';
}

/** True when `fn`'s body uses something an arrow function would take from its surroundings instead. */
function usesOwnBinding(fn: AnyNode): boolean {
  let found = false;
  const visit = (n: AnyNode): void => {
    if (found) return;
    if (
      n.type === 'ThisExpression' ||
      n.type === 'Super' ||
      n.type === 'MetaProperty' ||
      (n.type === 'Identifier' && n.name === 'arguments')
    ) {
      found = true;
      return;
    }
    // A nested non-arrow function has its own this/arguments.
    if (n !== fn && isFunction(n)) return;
    children(n, visit);
  };
  visit(fn);
  return found;
}

/** Names used as a `new` target or whose `.prototype` is read anywhere in the bundle (shadowing is ignored: safe). */
function constructorLike(program: AnyNode): Set<string> {
  const names = new Set<string>();
  const visit = (n: AnyNode): void => {
    if (n.type === 'NewExpression' && n.callee.type === 'Identifier') names.add(n.callee.name);
    if (
      n.type === 'MemberExpression' &&
      n.object.type === 'Identifier' &&
      ((!n.computed && n.property.name === 'prototype') || n.computed)
    )
      names.add(n.object.name);
    children(n, visit);
  };
  visit(program);
  return names;
}

/** The statements of the bundle's `(()=>{...})()`, or null when the code is not shaped like one. */
function iifeBody(program: AnyNode): AnyNode | null {
  const s = program.body[program.body.length - 1];
  const call = s?.type === 'ExpressionStatement' ? s.expression : null;
  const fn = call?.type === 'CallExpression' ? call.callee : null;
  if (!fn || fn.type !== 'ArrowFunctionExpression' || fn.body.type !== 'BlockStatement') return null;
  return fn.body;
}

/** `name=params=>body` for a convertible declaration, or null. */
function arrowText(code: string, fn: AnyNode, ctorLike: Set<string>): string | null {
  if (fn.async || fn.generator || !fn.id || ctorLike.has(fn.id.name)) return null;
  if (fn.params.some((p: AnyNode) => p.type !== 'Identifier') || usesOwnBinding(fn)) return null;
  const names = fn.params.map((p: AnyNode) => p.name as string);
  const params = names.length === 1 ? names[0] : `(${names.join(',')})`;
  const stmts = fn.body.body as AnyNode[];
  let body = code.slice(fn.body.start, fn.body.end);
  const only = stmts.length === 1 ? stmts[0] : null;
  if (only?.type === 'ReturnStatement' && only.argument) {
    const arg = only.argument as AnyNode;
    body = code.slice(arg.start, arg.end);
    // A comma would split the let list; a leading brace would read as a block.
    if (arg.type === 'SequenceExpression' || body.startsWith('{')) body = `(${body})`;
  }
  return `${fn.id.name}=${params}=>${body}`;
}

/** The bundle with its convertible top-level functions as `let` arrows; unparseable code comes back as is. */
export function shortFunctions(code: string): string {
  let program: AnyNode;
  try {
    program = parse(code, { ecmaVersion: 2020, sourceType: 'script' }) as AnyNode;
  } catch {
    return code;
  }
  const block = iifeBody(program);
  if (!block) return code;
  const ctorLike = constructorLike(program);
  let out = '';
  let at = 0;
  let group: string[] = [];
  const flush = (): void => {
    if (group.length > 0) out += `let ${group.join(',')};`;
    group = [];
  };
  for (const s of block.body as AnyNode[]) {
    const arrow = s.type === 'FunctionDeclaration' ? arrowText(code, s, ctorLike) : null;
    if (arrow === null) {
      flush();
      out += code.slice(at, s.end);
    } else {
      // Text between statements (none in esbuild's output) stays where it was.
      const gap = code.slice(at, s.start);
      if (gap.trim() !== '') {
        flush();
        out += gap;
      }
      group.push(arrow);
    }
    at = s.end;
  }
  flush();
  return out + code.slice(at);
}
