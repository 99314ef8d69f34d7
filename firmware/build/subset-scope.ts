/**
 * Scope analysis for the Espruino-subset gate: which identifier reads resolve to which declaration, so the
 * gate can find the failures that are about *order* and *binding* rather than syntax (espruino.md §2):
 * no hoisting (a function, class, let or const used above its definition at the top level of its scope),
 * no per-iteration `let` in loops (closures see the last value), and a named class expression that cannot
 * see its own name.
 */
import type { Node } from 'acorn';

// biome-ignore lint/suspicious/noExplicitAny: ESTree nodes are walked generically by key
export type AnyNode = Node & { [k: string]: any };

export type DeclKind = 'var' | 'let' | 'const' | 'function' | 'class' | 'param' | 'classname' | 'catch';

export interface Decl {
  name: string;
  kind: DeclKind;
  node: AnyNode;
  /** Source offset from which the binding exists at run time. */
  pos: number;
  scope: Scope;
}

export interface Scope {
  node: AnyNode;
  parent: Scope | undefined;
  /** A function (or program) boundary: code inside runs later, not when the enclosing scope runs. */
  isFunction: boolean;
  /** Set for `for (let/const ...)` loops: the bindings Espruino does not copy per iteration. */
  isLoop: boolean;
  decls: { [name: string]: Decl };
}

export interface Ref {
  name: string;
  node: AnyNode;
  scope: Scope;
  decl: Decl | undefined;
  /** The identifier's parent node (for context checks such as `typeof`). */
  parent: AnyNode | undefined;
}

const SKIP_KEYS: { [k: string]: true } = { type: true, start: true, end: true, loc: true, range: true };

/** Visits every child node of `node`, in source order. */
export function children(node: AnyNode, visit: (child: AnyNode, key: string) => void): void {
  for (const key of Object.keys(node)) {
    if (SKIP_KEYS[key]) continue;
    const v = node[key];
    if (Array.isArray(v)) {
      for (const c of v) if (c && typeof c.type === 'string') visit(c, key);
    } else if (v && typeof v.type === 'string') visit(v, key);
  }
}

function patternNames(p: AnyNode | null, out: AnyNode[]): void {
  if (!p) return;
  if (p.type === 'Identifier') out.push(p);
  else if (p.type === 'ObjectPattern')
    for (const prop of p.properties)
      patternNames(prop.type === 'RestElement' ? prop.argument : prop.value, out);
  else if (p.type === 'ArrayPattern') for (const el of p.elements) patternNames(el, out);
  else if (p.type === 'RestElement') patternNames(p.argument, out);
  else if (p.type === 'AssignmentPattern') patternNames(p.left, out);
}

function newScope(node: AnyNode, parent: Scope | undefined, isFunction: boolean, isLoop = false): Scope {
  // No prototype: an identifier may be called `__proto__` or `constructor`.
  return { node, parent, isFunction, isLoop, decls: Object.create(null) };
}

function nearestFunction(s: Scope): Scope {
  let cur = s;
  while (!cur.isFunction && cur.parent) cur = cur.parent;
  return cur;
}

function declare(scope: Scope, id: AnyNode, kind: DeclKind, pos: number): void {
  const target = kind === 'var' ? nearestFunction(scope) : scope;
  if (target.decls[id.name] && kind === 'var') return;
  target.decls[id.name] = { name: id.name, kind, node: id, pos, scope: target };
}

/** Is this Identifier a read/write of a binding (not a property name, label or declaration)? */
function isReference(parent: AnyNode | undefined, key: string): boolean {
  if (!parent) return true;
  switch (parent.type) {
    case 'MemberExpression':
      return key !== 'property' || parent.computed;
    case 'Property':
      return key === 'value' || parent.computed;
    case 'MethodDefinition':
    case 'PropertyDefinition':
      return key !== 'key' || parent.computed;
    case 'LabeledStatement':
    case 'BreakStatement':
    case 'ContinueStatement':
    case 'MetaProperty':
      return false;
    default:
      return true;
  }
}

/**
 * Builds the scope tree and resolves every identifier reference. Declarations inside patterns are found by
 * `patternNames`; the walk skips declaration identifiers so they are not mistaken for reads.
 */
export function analyseScopes(program: AnyNode): { refs: Ref[]; root: Scope } {
  const root = newScope(program, undefined, true);
  const refs: Ref[] = [];
  const declIds = new Set<AnyNode>();
  const scopeOf = new Map<AnyNode, Scope>();

  function hoistDecls(node: AnyNode, scope: Scope): void {
    const ids: AnyNode[] = [];
    if (node.type === 'VariableDeclaration') {
      for (const d of node.declarations) {
        ids.length = 0;
        patternNames(d.id, ids);
        // A var exists (as undefined) from the top of its function: only let/const have an order.
        const pos = node.kind === 'var' ? scope.node.start : d.start;
        for (const id of ids) {
          declare(scope, id, node.kind, pos);
          declIds.add(id);
        }
      }
    } else if (node.type === 'FunctionDeclaration' && node.id) {
      declare(scope, node.id, 'function', node.start);
      declIds.add(node.id);
    } else if (node.type === 'ClassDeclaration' && node.id) {
      declare(scope, node.id, 'class', node.start);
      declIds.add(node.id);
    }
  }

  function build(node: AnyNode, scope: Scope): void {
    let inner = scope;
    const t = node.type;
    if (t === 'FunctionDeclaration' || t === 'FunctionExpression' || t === 'ArrowFunctionExpression') {
      inner = newScope(node, scope, true);
      if (t === 'FunctionExpression' && node.id) {
        declare(inner, node.id, 'function', node.start);
        declIds.add(node.id);
      }
      for (const p of node.params) {
        const ids: AnyNode[] = [];
        patternNames(p, ids);
        for (const id of ids) {
          declare(inner, id, 'param', node.start);
          declIds.add(id);
        }
      }
    } else if (t === 'ClassExpression' && node.id) {
      inner = newScope(node, scope, false);
      declare(inner, node.id, 'classname', node.start);
      declIds.add(node.id);
    } else if (t === 'ForStatement' || t === 'ForInStatement' || t === 'ForOfStatement') {
      const init = t === 'ForStatement' ? node.init : node.left;
      const lexical = !!init && init.type === 'VariableDeclaration' && init.kind !== 'var';
      inner = newScope(node, scope, false, lexical);
    } else if (t === 'BlockStatement' || t === 'SwitchStatement' || t === 'StaticBlock') {
      if (!(scope.node.body === node && scope.isFunction)) inner = newScope(node, scope, false);
    } else if (t === 'CatchClause') {
      inner = newScope(node, scope, false);
      const ids: AnyNode[] = [];
      patternNames(node.param, ids);
      for (const id of ids) {
        declare(inner, id, 'catch', node.start);
        declIds.add(id);
      }
    }
    scopeOf.set(node, inner);
    if (t === 'VariableDeclaration') hoistDecls(node, scope);
    else if (t === 'FunctionDeclaration' || t === 'ClassDeclaration') hoistDecls(node, scope);
    children(node, (c) => build(c, inner));
  }

  function resolve(name: string, scope: Scope): Decl | undefined {
    for (let s: Scope | undefined = scope; s; s = s.parent) if (s.decls[name]) return s.decls[name];
    return undefined;
  }

  function collect(node: AnyNode, parent: AnyNode | undefined, key: string, scope: Scope): void {
    const here = scopeOf.get(node) ?? scope;
    if (node.type === 'Identifier' && !declIds.has(node) && isReference(parent, key)) {
      refs.push({ name: node.name, node, scope, decl: resolve(node.name, scope), parent });
    }
    if (parent?.type === 'Property' && parent.shorthand && key === 'key') return;
    children(node, (c, k) => collect(c, node, k, here));
  }

  build(program, root);
  scopeOf.set(program, root);
  collect(program, undefined, '', root);
  return { refs, root };
}

/** True when a function boundary lies between `from` (where code runs) and `to` (an enclosing scope). */
export function crossesFunction(from: Scope, to: Scope): boolean {
  for (let s: Scope | undefined = from; s && s !== to; s = s.parent) if (s.isFunction) return true;
  return false;
}
