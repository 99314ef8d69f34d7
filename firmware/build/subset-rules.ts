/**
 * Data and self-contained checks of the Espruino-subset gate (subset.ts): the interpreter's missing globals and
 * built-ins, RegExp features it silently mis-matches, and static methods it does not inherit (espruino.md §2-3).
 */
import { type AnyNode, children } from './subset-scope';

/** Built-in modules of the Espruino firmware builds we target; anything else would need an upload. */
export const ESPRUINO_MODULES: readonly string[] = [
  'Storage',
  'crypto',
  'heatshrink',
  'Flash',
  'ESP32',
  'Wifi',
  'NetworkJS',
  'net',
  'http',
  'tls',
  'dgram',
  'neopixel',
  'Trig',
  'ble_hid_controls',
];

/** Globals the interpreter does not have (ReferenceError there), or that only exist in Node. */
export const FORBIDDEN_GLOBALS: { [k: string]: string } = {
  Map: 'use a plain object keyed by string',
  Set: 'use a plain object or an array',
  WeakMap: 'use a plain object',
  WeakSet: 'use a plain object',
  WeakRef: 'not available',
  FinalizationRegistry: 'not available',
  Symbol: 'not available',
  BigInt: 'not available',
  Reflect: 'not available',
  Proxy: 'not available',
  RangeError: 'only Error, TypeError, SyntaxError, ReferenceError and InternalError exist',
  EvalError: 'only Error, TypeError, SyntaxError, ReferenceError and InternalError exist',
  URIError: 'only Error, TypeError, SyntaxError, ReferenceError and InternalError exist',
  AggregateError: 'only Error, TypeError, SyntaxError, ReferenceError and InternalError exist',
  TextEncoder: 'use E.toUint8Array / E.toString',
  TextDecoder: 'use E.toString',
  Buffer: 'Node only: use Uint8Array',
  Intl: 'not available',
  queueMicrotask: 'not available',
  setImmediate: 'Node only: use setTimeout',
  structuredClone: 'not available',
  module: 'Node only',
  exports: 'Node only (bundle with --format=iife)',
  __dirname: 'Node only',
  __filename: 'Node only',
};

export const ERROR_CLASSES = [
  'Error',
  'TypeError',
  'SyntaxError',
  'ReferenceError',
  'RangeError',
  'InternalError',
];
export const TYPED = [
  'Uint8Array',
  'Int8Array',
  'Uint8ClampedArray',
  'Uint16Array',
  'Int16Array',
  'Uint32Array',
  'Int32Array',
  'Float32Array',
  'Float64Array',
];
/** Built-ins whose `X.prototype.method` is undefined on Espruino (espruino/Espruino#159). Object is fine. */
export const NO_PROTO_BUILTINS = [
  'Array',
  'String',
  'Function',
  'Number',
  'Boolean',
  'ArrayBuffer',
  'RegExp',
  'Date',
];

/** Scans a RegExp source for the parts Espruino silently mis-matches: `{n}` quantifiers and lookaround. */
export function regexpProblems(pattern: string, flags: string): string[] {
  const out: string[] = [];
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === '{' && /^\{\d+(,\d*)?\}/.test(pattern.slice(i)))
      out.push('a {n} quantifier (it silently never matches)');
    else if (c === '(' && pattern[i + 1] === '?') {
      const k = pattern[i + 2];
      if (k === '=' || k === '!') out.push('a lookahead (it silently never matches)');
      else if (k === '<' && (pattern[i + 3] === '=' || pattern[i + 3] === '!')) out.push('a lookbehind');
      else if (k === '<') out.push('a named group');
    }
  }
  for (const f of flags) if (!'gim'.includes(f)) out.push(`the "${f}" flag`);
  return out;
}

/** Static methods are not inherited on Espruino: `B.s()` for a static `s` of B's superclass fails. */
export function checkStaticInheritance(
  program: AnyNode,
  report: (rule: string, node: AnyNode, message: string) => void,
): void {
  const classes: { [name: string]: { statics: string[]; sup: string | undefined } } = Object.create(null);
  const addClass = (name: string, cls: AnyNode): void => {
    const statics: string[] = [];
    for (const m of cls.body.body)
      if (m.static && !m.computed && m.key?.type === 'Identifier') statics.push(m.key.name);
    classes[name] = { statics, sup: cls.superClass?.type === 'Identifier' ? cls.superClass.name : undefined };
  };
  const uses: AnyNode[] = [];
  const walk = (n: AnyNode): void => {
    if (n.type === 'ClassDeclaration' && n.id) addClass(n.id.name, n);
    if (n.type === 'VariableDeclarator' && n.id.type === 'Identifier' && n.init?.type === 'ClassExpression')
      addClass(n.id.name, n.init);
    if (n.type === 'MemberExpression' && !n.computed && n.object.type === 'Identifier') uses.push(n);
    children(n, walk);
  };
  walk(program);
  for (const u of uses) {
    const own = classes[u.object.name];
    const m = u.property.name as string;
    if (!own || own.statics.includes(m)) continue;
    const seen: string[] = [];
    for (let sup = own.sup; sup && classes[sup] && !seen.includes(sup); sup = classes[sup]?.sup) {
      seen.push(sup);
      if (classes[sup]?.statics.includes(m)) {
        report(
          'static-inheritance',
          u,
          `${u.object.name}.${m} is a static of ${sup}: Espruino does not inherit statics`,
        );
        break;
      }
    }
  }
}
