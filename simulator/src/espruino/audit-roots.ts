/**
 * Where a simulated board keeps data, named for the PII audit's RAM walk. The firmware's memory is its realm:
 * the global object (and through it everything firmware hung on built-ins and Espruino objects, listeners
 * included), the realm's script-level bindings, and what the runtime holds for it outside the realm (timer and
 * watch callbacks with their arguments, the scan callback and filters, serial receive buffers, the modules it
 * `require`d). The radio's advertising and NFC payload and the console's buffers are the board's own RAM.
 * The walk never opens the runtime's functions themselves: those are Node code, not device memory.
 */
import type { ConsoleHooks } from './device-types';
import type { RadioState } from './nrf';
import type { Realm } from './realm';

export interface AuditRoot {
  path: string;
  value: unknown;
}

/** Structurally the audit's DeviceMemory: the runtime does not depend on the audit. */
export interface AuditRoots {
  roots: AuditRoot[];
  /** The realm's Object.prototype: values whose prototype chain ends elsewhere are the host's. */
  objectPrototype: object;
}

/** The running boot's runtime-held values (see DeviceHost.addRoot) and modules. */
export interface BootRoots {
  roots: { name: string; values: () => unknown[] }[];
  modules: Record<string, unknown>;
}

/** The board parts that outlive a boot. */
export interface BoardRoots {
  radio: RadioState;
  console: ConsoleHooks | undefined;
  consoleOutput: string;
}

export function auditRoots(realm: Realm, boot: BootRoots, s: BoardRoots): AuditRoots {
  const roots: AuditRoot[] = [
    { path: 'global', value: realm.global },
    // A fresh function of the realm: its scope chain shows the realm's script-level let/const/class.
    { path: '<script>', value: realm.run('(function () {})', 'audit/probe', 0) },
  ];
  const list = (name: string, values: readonly unknown[]): void => {
    for (let i = 0; i < values.length; i++) roots.push({ path: `<${name}>[${i}]`, value: values[i] });
  };
  for (const h of boot.roots) list(h.name, h.values());
  for (const [name, m] of Object.entries(boot.modules)) roots.push({ path: `require("${name}")`, value: m });
  list('advertising', s.radio.advertising?.packets ?? []);
  roots.push({ path: '<nfc payload>', value: s.radio.nfcPayload });
  list('repl history', s.console?.history ?? []);
  roots.push({ path: '<console output>', value: s.consoleOutput });
  const objectPrototype = realm.run('Object.prototype', 'audit/probe', 0) as object;
  return { roots, objectPrototype };
}
