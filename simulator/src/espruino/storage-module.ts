/**
 * The JS face of `require("Storage")` for firmware: binary strings in and out (as Espruino returns
 * flash-backed strings), JSON helpers through the device realm's own JSON, errors as realm Errors.
 */
import type { Realm } from './realm';
import { type FlashStorage, StorageError } from './storage';
import { bytesToString, toBytes } from './values';

export function createStorageModule(realm: Realm, store: FlashStorage): Record<string, unknown> {
  const json = realm.global.JSON as JSON;
  const guard = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (e) {
      if (e instanceof StorageError) throw realm.error('Error', e.message);
      throw e;
    }
  };
  const m = realm.object();
  m.read = (name: unknown, offset?: unknown, length?: unknown) => {
    const b = store.read(
      String(name),
      Number(offset ?? 0),
      length === undefined ? undefined : Number(length),
    );
    return b === undefined ? undefined : bytesToString(b);
  };
  m.readArrayBuffer = (name: unknown) => {
    const b = store.read(String(name));
    return b === undefined ? undefined : realm.buffer(b);
  };
  m.readJSON = (name: unknown, noExceptions?: unknown) => {
    const b = store.read(String(name));
    if (b === undefined) return undefined;
    try {
      return json.parse(bytesToString(b));
    } catch (e) {
      if (noExceptions) return undefined;
      throw e;
    }
  };
  m.write = (name: unknown, data: unknown, offset?: unknown, size?: unknown) =>
    guard(() => {
      store.write(
        String(name),
        toBytes(data),
        offset === undefined ? 0 : Number(offset),
        size === undefined ? undefined : Number(size),
      );
      return true;
    });
  m.writeJSON = (name: unknown, data: unknown) =>
    guard(() => {
      store.write(String(name), toBytes(json.stringify(data)));
      return true;
    });
  m.erase = (name: unknown) => {
    store.erase(String(name));
  };
  m.eraseAll = () => store.eraseAll();
  m.list = (filter?: unknown) => {
    let names = store.list();
    if (filter instanceof (realm.global.RegExp as RegExpConstructor))
      names = names.filter((n) => (filter as RegExp).test(n));
    else if (typeof filter === 'string') names = names.filter((n) => n.includes(filter));
    return realm.array(names);
  };
  m.getFree = () => store.getFree();
  m.getStats = () => Object.assign(realm.object(), store.getStats());
  m.compact = () => store.compact();
  m.debug = () => undefined;
  return m;
}
