/** fast-check model of the link message set, generated from the schema table so new fields are covered. */
import fc from 'fast-check';
import { utf8Length } from '../src/cbor/utf8';
import {
  type Field,
  K_BOOL,
  K_BYTES,
  K_BYTES_LIST,
  K_INT,
  K_TEXT,
  type Message,
  SCHEMA,
} from '../src/link/messages';

function fieldArb(f: Field): fc.Arbitrary<unknown> {
  const [, , kind, min, max] = f;
  if (kind === K_BOOL) return fc.boolean();
  if (kind === K_BYTES) return fc.uint8Array({ minLength: min, maxLength: max });
  if (kind === K_TEXT) {
    return fc.string({ unit: 'binary', minLength: 1, maxLength: max }).filter((s) => {
      const n = utf8Length(s);
      return n >= min && n <= max;
    });
  }
  if (kind === K_BYTES_LIST) {
    return fc.array(fc.uint8Array({ minLength: min, maxLength: min }), { minLength: 1, maxLength: max });
  }
  const lo = kind === K_INT ? min : Math.max(0, min);
  return fc.oneof(fc.constantFrom(lo, max), fc.integer({ min: lo, max: max }));
}

export function messageArb(type: number): fc.Arbitrary<Message> {
  const fields = SCHEMA[type] as Field[];
  const model: Record<string, fc.Arbitrary<unknown>> = { type: fc.constant(type) };
  const required = ['type'];
  for (const f of fields) {
    model[f[1]] = fieldArb(f);
    if (f[5]) required.push(f[1]);
  }
  return fc
    .record(model, { requiredKeys: required })
    .filter((m) => type !== 20 || (m.scanWindowMs as number) <= (m.scanIntervalMs as number))
    .map((m) => m as unknown as Message);
}

export const anyMessage: fc.Arbitrary<Message> = fc.oneof(
  ...Object.keys(SCHEMA).map((t) => messageArb(Number(t))),
);
