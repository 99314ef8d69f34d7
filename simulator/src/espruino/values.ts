/**
 * Value conversions at the boundary between firmware (device realm) and the simulator: Espruino accepts
 * strings (char codes 0-255), arrays, typed arrays, ArrayBuffers and `{data, count}` wherever it wants bytes,
 * and delivers binary data as strings of char codes. Also Espruino's `print` formatting.
 */

/** Bytes of any value Espruino accepts as data (E.toUint8Array semantics). */
export function toBytes(v: unknown): Uint8Array {
  if (typeof v === 'string') {
    const out = new Uint8Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = v.charCodeAt(i) & 0xff;
    return out;
  }
  if (typeof v === 'number' || typeof v === 'boolean') return new Uint8Array([Number(v) & 0xff]);
  if (v === undefined || v === null) return new Uint8Array(0);
  if (Object.prototype.toString.call(v) === '[object ArrayBuffer]')
    return new Uint8Array(v as ArrayBuffer).slice();
  if (ArrayBuffer.isView(v)) {
    const view = v as ArrayBufferView & ArrayLike<number>;
    if (view instanceof DataView || Object.prototype.toString.call(v) === '[object DataView]')
      return new Uint8Array(view.buffer, view.byteOffset, view.byteLength).slice();
    return Uint8Array.from(Array.prototype.slice.call(view) as number[], (x) => x & 0xff);
  }
  if (Array.isArray(v)) {
    const parts = v.map(toBytes);
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
  if (typeof v === 'object') {
    const o = v as { data?: unknown; count?: number };
    if ('data' in o) {
      const one = toBytes(o.data);
      const n = typeof o.count === 'number' ? o.count : 1;
      const out = new Uint8Array(one.length * n);
      for (let i = 0; i < n; i++) out.set(one, i * one.length);
      return out;
    }
  }
  return toBytes(String(v));
}

/** A binary string (one char per byte), as Espruino delivers serial data and Storage reads. */
export function bytesToString(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 4096) s += String.fromCharCode(...b.subarray(i, i + 4096));
  return s;
}

function quote(s: string): string {
  return JSON.stringify(s);
}

/** Espruino's text form of a value, as `print`/`console.log` and the REPL `=value` show it. */
export function inspect(v: unknown, depth = 0): string {
  if (v === undefined) return 'undefined';
  if (v === null) return 'null';
  if (typeof v === 'string') return depth === 0 ? v : quote(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'function') return `function ${v.name ?? ''}() { [code] }`.replace('  ', ' ');
  if (depth > 4) return '...';
  const tag = Object.prototype.toString.call(v).slice(8, -1);
  if (tag === 'ArrayBuffer')
    return `new Uint8Array([${Array.from(new Uint8Array(v as ArrayBuffer)).join(', ')}]).buffer`;
  if (ArrayBuffer.isView(v) && tag !== 'DataView')
    return `new ${tag}([${Array.prototype.slice.call(v).join(', ')}])`;
  if (Array.isArray(v))
    return v.length === 0 ? '[  ]' : `[ ${v.map((x) => inspect(x, depth + 1)).join(', ')} ]`;
  if (tag === 'Error' || (v as { message?: unknown }).message !== undefined) return String(v);
  const keys = Object.keys(v as object);
  if (keys.length === 0) return '{  }';
  const parts = keys.map((k) => `${quote(k)}: ${inspect((v as Record<string, unknown>)[k], depth + 1)}`);
  return `{ ${parts.join(', ')} }`;
}

/** print(a, b, ...) joins its arguments' text forms with spaces (strings unquoted at top level). */
export function printArgs(args: readonly unknown[]): string {
  return args.map((a) => inspect(a, 0)).join(' ');
}
