/**
 * The Espruino-subset gate: parses a bundle (or any script) with acorn and reports every construct the real
 * Espruino interpreter rejects or runs wrongly, each as a rule name with line:column. The rules come from the
 * failures measured on the interpreter (espruino.md §2, §3, §5); the firmware build refuses a bundle with any
 * violation and the simulator's runtime refuses to run one.
 */
import { type Comment, parse } from 'acorn';
import {
  checkStaticInheritance,
  ERROR_CLASSES,
  ESPRUINO_MODULES,
  FORBIDDEN_GLOBALS,
  NO_PROTO_BUILTINS,
  regexpProblems,
  TYPED,
} from './subset-rules';
import {
  type AnyNode,
  analyseScopes,
  children,
  crossesFunction,
  type Decl,
  type Ref,
  type Scope,
} from './subset-scope';

export { ESPRUINO_MODULES, regexpProblems } from './subset-rules';

export interface Violation {
  rule: string;
  message: string;
  /** 1-based line. */
  line: number;
  /** 1-based column. */
  column: number;
}

export interface SubsetOptions {
  /** Modules `require` may load (Espruino built-ins). Default: ESPRUINO_MODULES. */
  allowedModules?: readonly string[];
  /** Rules to skip, by name (for a tool that checks one aspect only). */
  ignore?: readonly string[];
}

function isFree(ref: Ref | undefined): boolean {
  return ref !== undefined && ref.decl === undefined;
}

export function checkEspruinoSubset(source: string, opts: SubsetOptions = {}): Violation[] {
  const allowed = opts.allowedModules ?? ESPRUINO_MODULES;
  const ignore = new Set(opts.ignore ?? []);
  const out: Violation[] = [];
  let program: AnyNode;
  const comments: Comment[] = [];
  try {
    program = parse(source, {
      ecmaVersion: 2022,
      sourceType: 'script',
      locations: true,
      allowHashBang: true,
      onComment: comments,
    }) as AnyNode;
  } catch (e) {
    const loc = (e as { loc?: { line: number; column: number } }).loc;
    return [
      {
        rule: 'syntax',
        message: `not parseable as an ES2022 script: ${(e as Error).message}`,
        line: loc?.line ?? 1,
        column: (loc?.column ?? 0) + 1,
      },
    ];
  }

  const report = (rule: string, node: AnyNode, message: string): void => {
    if (ignore.has(rule)) return;
    const at = node.loc?.start ?? { line: 1, column: 0 };
    out.push({ rule, message, line: at.line, column: at.column + 1 });
  };

  const { refs } = analyseScopes(program);
  const refOf = new Map<AnyNode, Ref>();
  for (const r of refs) refOf.set(r.node, r);
  const freeName = (n: AnyNode | undefined): string | undefined =>
    n && n.type === 'Identifier' && isFree(refOf.get(n)) ? n.name : undefined;
  const memberName = (n: AnyNode): string | undefined =>
    n.type === 'MemberExpression' && !n.computed && n.property.type === 'Identifier'
      ? n.property.name
      : undefined;

  function visit(node: AnyNode, parent: AnyNode | undefined, key: string): void {
    switch (node.type) {
      case 'ObjectPattern':
      case 'ArrayPattern':
        report('destructuring', node, 'destructuring is not supported: assign fields one by one');
        break;
      case 'AssignmentPattern':
        if (parent && /Function/.test(parent.type) && key === 'params')
          report(
            'default-params',
            node,
            'default parameters are a SyntaxError: test for undefined in the body',
          );
        break;
      case 'RestElement':
        report('rest-params', node, 'rest parameters are a SyntaxError: pass an array');
        break;
      case 'SpreadElement':
        report('spread', node, 'spread is a SyntaxError: use apply, concat or Object.assign');
        break;
      case 'ChainExpression':
        report('optional-chaining', node, '`?.` is a SyntaxError: test explicitly');
        break;
      case 'BinaryExpression':
        if (node.operator === '**') report('exponent', node, '`**` is not supported: multiply or shift');
        break;
      case 'AssignmentExpression':
        if (node.operator === '**=') report('exponent', node, '`**=` is a SyntaxError');
        if (node.operator === '??=' || node.operator === '||=' || node.operator === '&&=')
          report('logical-assignment', node, `\`${node.operator}\` is a SyntaxError: write the if`);
        break;
      case 'FunctionDeclaration':
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
        if (node.generator) report('generator', node, 'generators are a SyntaxError');
        if (node.async) report('async', node, 'async functions are not supported: use callbacks');
        break;
      case 'AwaitExpression':
        report('async', node, '`await` is not supported');
        break;
      case 'LabeledStatement':
        report('label', node, 'labels are not supported: use a flag or a function');
        break;
      case 'Property':
        if (node.computed && parent?.type === 'ObjectExpression')
          report('computed-key', node, 'computed keys are a SyntaxError: assign obj[k] = v');
        break;
      case 'MethodDefinition':
      case 'PropertyDefinition':
        if (node.computed) report('computed-key', node, 'computed class member names are not supported');
        break;
      case 'TaggedTemplateExpression':
        report('tagged-template', node, 'tagged templates (incl. String.raw) are a SyntaxError');
        break;
      case 'MetaProperty':
        report('new-target', node, '`new.target` is a SyntaxError');
        break;
      case 'PrivateIdentifier':
        report('private-member', node, '#private members are a SyntaxError');
        break;
      case 'Literal':
        if (node.bigint !== undefined) report('bigint', node, 'BigInt literals are not supported');
        if (node.regex) checkRegexp(node, node.regex.pattern, node.regex.flags);
        break;
      case 'ClassDeclaration':
      case 'ClassExpression': {
        const sup = node.superClass as AnyNode | null;
        const name = freeName(sup ?? undefined);
        if (name && ERROR_CLASSES.includes(name))
          report(
            'extends-error',
            node,
            `\`extends ${name}\` breaks super() and instanceof: use a plain class`,
          );
        else if (sup && sup.type !== 'Identifier' && sup.type !== 'MemberExpression')
          report('extends-expression', node, 'extend a named class, not an expression');
        break;
      }
      case 'NewExpression':
      case 'CallExpression': {
        const callee = node.callee as AnyNode;
        const arg0 = node.arguments[0] as AnyNode | undefined;
        if (freeName(callee) === 'RegExp' && arg0?.type === 'Literal' && typeof arg0.value === 'string') {
          const f = node.arguments[1] as AnyNode | undefined;
          checkRegexp(node, arg0.value, f?.type === 'Literal' && typeof f.value === 'string' ? f.value : '');
        }
        if (node.type === 'CallExpression' && freeName(callee) === 'require') {
          if (!arg0 || arg0.type !== 'Literal' || typeof arg0.value !== 'string')
            report('require', node, 'require() needs a literal module name');
          else if (!allowed.includes(arg0.value))
            report('require', node, `module "${arg0.value}" is not built into Espruino: bundle it instead`);
        }
        break;
      }
      case 'MemberExpression': {
        const obj = node.object as AnyNode;
        const prop = memberName(node);
        const base = freeName(obj);
        if (base && (prop === 'from' || prop === 'of') && (base === 'Array' || TYPED.includes(base)))
          report('array-from', node, `${base}.${prop} does not exist: loop, or use new ${base}(arrayLike)`);
        if (base === 'Math' && prop === 'pow')
          report('math-pow', node, 'Math.pow is imprecise (exp/log): use multiplication or shifts');
        if (base === 'process' && prop === 'nextTick')
          report('forbidden-global', node, 'process.nextTick is Node only');
        if (prop && obj.type === 'MemberExpression' && memberName(obj) === 'prototype') {
          const owner = freeName(obj.object);
          const assigned = parent?.type === 'AssignmentExpression' && key === 'left';
          if (owner && !assigned && (NO_PROTO_BUILTINS.includes(owner) || TYPED.includes(owner)))
            report(
              'builtin-prototype',
              node,
              `${owner}.prototype.${prop} is undefined on Espruino: call the method on an instance ([].slice.call)`,
            );
        }
        break;
      }
      case 'Identifier': {
        const r = refOf.get(node);
        // `typeof X` on a missing global is safe on Espruino too (feature detection).
        if (r && isFree(r) && Object.hasOwn(FORBIDDEN_GLOBALS, node.name) && parent?.operator !== 'typeof')
          report(
            'forbidden-global',
            node,
            `${node.name} is not defined on Espruino: ${FORBIDDEN_GLOBALS[node.name]}`,
          );
        break;
      }
    }
    children(node, (c, k) => visit(c, node, k));
  }

  function checkRegexp(node: AnyNode, pattern: string, flags: string): void {
    for (const p of regexpProblems(pattern, flags)) report('regexp', node, `RegExp /${pattern}/ uses ${p}`);
  }

  visit(program, undefined, '');
  checkOrder(refs, report);
  checkStaticInheritance(program, report);
  out.sort((a, b) => a.line - b.line || a.column - b.column);
  return out;
}

const ORDERED: { [k: string]: true } = { function: true, class: true, let: true, const: true };

/** Hoisting, loop-closure and class self-name rules, all driven by the resolved references. */
function checkOrder(refs: Ref[], report: (rule: string, node: AnyNode, message: string) => void): void {
  // What each function declaration body reads from its own declaring scope: a top-level call of f runs these.
  const bodyDeps = new Map<Decl, Ref[]>();
  for (const r of refs) {
    const d = r.decl;
    if (!d) continue;
    let s: Scope | undefined = r.scope;
    while (s && !s.isFunction) s = s.parent;
    if (!s || s.node.type !== 'FunctionDeclaration' || s.parent !== d.scope) continue;
    const fd = d.scope.decls[s.node.id?.name];
    if (fd && fd.node === s.node.id) {
      const list = bodyDeps.get(fd) ?? [];
      list.push(r);
      bodyDeps.set(fd, list);
    }
  }

  for (const r of refs) {
    const d = r.decl;
    if (!d) continue;
    if (d.kind === 'classname' && r.node.start > d.node.end) {
      report(
        'class-self-reference',
        r.node,
        `class ${r.name} cannot see its own name inside its body on Espruino: use this / this.constructor`,
      );
      continue;
    }
    if (d.scope.isLoop && (d.kind === 'let' || d.kind === 'const') && crossesFunction(r.scope, d.scope)) {
      report(
        'loop-closure',
        r.node,
        `a closure captures loop variable "${r.name}": Espruino has no per-iteration binding (all see the last value)`,
      );
      continue;
    }
    if (!ORDERED[d.kind] || crossesFunction(r.scope, d.scope) || r.parent?.operator === 'typeof') continue;
    if (r.node.start < d.pos) {
      report(
        'use-before-define',
        r.node,
        `"${r.name}" is used before its ${d.kind} definition (no hoisting)`,
      );
    } else if (d.kind === 'function' && r.parent?.type === 'CallExpression' && r.parent.callee === r.node) {
      const late = lateDeps(d, r.node.start, bodyDeps, new Set());
      if (late)
        report(
          'use-before-define',
          r.node,
          `calling "${r.name}" here runs "${late}" before its definition (no hoisting)`,
        );
    }
  }
}

function lateDeps(fn: Decl, at: number, deps: Map<Decl, Ref[]>, seen: Set<Decl>): string | undefined {
  if (seen.has(fn)) return undefined;
  seen.add(fn);
  for (const dep of deps.get(fn) ?? []) {
    const d = dep.decl as Decl;
    if (!ORDERED[d.kind]) continue;
    if (d.pos > at) return d.name;
    if (d.kind === 'function') {
      const deeper = lateDeps(d, at, deps, seen);
      if (deeper) return deeper;
    }
  }
  return undefined;
}
