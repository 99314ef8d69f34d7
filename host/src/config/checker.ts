/**
 * The validator's walker: collects every issue with its JSON path, refuses unknown fields (with a "did you
 * mean" hint) and inline secrets, and resolves file paths against the config file's directory.
 */
import { isAbsolute, resolve } from 'node:path';
import type { ConfigIssue } from './types';

export type Obj = Record<string, unknown>;
export const ID = /^[A-Za-z0-9._:-]{1,64}$/;
export const ENV = /^[A-Z_][A-Z0-9_]{0,127}$/;
export const HEX4 = /^[0-9a-fA-F]{4}$/;
export const BLE_ADDR = /^[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5}$/;
export const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
export const LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);
export const INLINE_SECRET = /^(passphrase|password|secret|token|privateKey|apiKey|key)$/i;

export class Checker {
  readonly issues: ConfigIssue[] = [];
  constructor(readonly base: string) {}

  add(path: string, message: string): void {
    this.issues.push({ path: path || '(root)', message });
  }

  /** An object with only the `allowed` keys; undefined (and an issue) otherwise. */
  obj(path: string, v: unknown, allowed: string[], required = true): Obj | undefined {
    if (v === undefined && !required) return undefined;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      this.add(path, 'must be an object');
      return undefined;
    }
    for (const k of Object.keys(v)) {
      if (allowed.includes(k)) continue;
      if (INLINE_SECRET.test(k))
        this.add(
          join(path, k),
          'inline secrets are not accepted; name an environment variable (…Env) or a file',
        );
      else this.add(join(path, k), `unknown field${suggest(k, allowed)}`);
    }
    return v as Obj;
  }

  str(
    path: string,
    v: unknown,
    opts: { re?: RegExp; what?: string; def?: string; optional?: boolean } = {},
  ): string | undefined {
    if (v === undefined) {
      if (opts.def !== undefined || opts.optional) return opts.def;
      this.add(path, 'is required');
      return undefined;
    }
    if (typeof v !== 'string' || v.length === 0) {
      this.add(path, 'must be a non-empty string');
      return undefined;
    }
    if (opts.re && !opts.re.test(v)) {
      this.add(path, `must be ${opts.what ?? `a string matching ${opts.re}`}`);
      return undefined;
    }
    return v;
  }

  int(path: string, v: unknown, min: number, max: number, def?: number): number | undefined {
    if (v === undefined && def !== undefined) return def;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      this.add(path, `must be an integer from ${min} to ${max}`);
      return undefined;
    }
    return v;
  }

  file(path: string, v: unknown, def?: string, optional = false): string | undefined {
    const s = this.str(path, v, { def, optional });
    return s === undefined ? undefined : isAbsolute(s) ? s : resolve(this.base, s);
  }

  /** A finite number in [min, max]. */
  num(path: string, v: unknown, min: number, max: number): number | undefined {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
      this.add(path, `must be a number from ${min} to ${max}`);
      return undefined;
    }
    return v;
  }

  arr(path: string, v: unknown, def: unknown[] = []): unknown[] {
    if (v === undefined) return def;
    if (!Array.isArray(v)) {
      this.add(path, 'must be an array');
      return [];
    }
    // Dense copy: a hole in a sparse array is reported as a missing entry instead of skipped by map().
    return Array.from(v);
  }
}

export function join(path: string, k: string | number): string {
  return typeof k === 'number' ? `${path}[${k}]` : path ? `${path}.${k}` : k;
}

function suggest(k: string, allowed: string[]): string {
  const close = allowed.find(
    (a) => a.toLowerCase() === k.toLowerCase() || editDistance(a.toLowerCase(), k.toLowerCase()) <= 2,
  );
  return close ? `; did you mean "${close}"?` : `; allowed: ${allowed.join(', ')}`;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++)
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}
