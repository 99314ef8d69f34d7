/**
 * The JS face of `require("Storage")` for firmware: binary strings in and out (as Espruino returns
 * flash-backed strings), JSON helpers through the device realm's own JSON, errors as realm Errors.
 */
import type { Realm } from './realm';
import { type FlashStorage, StorageError } from './storage';
import { bytesToString, toBytes } from './values';

function guarded<T>(realm: Realm, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof StorageError) throw realm.error('Error', e.message);
    throw e;
  }
}

export function createStorageModule(realm: Realm, store: FlashStorage): Record<string, unknown> {
  const json = realm.global.JSON as JSON;
  const guard = <T>(fn: () => T): T => guarded(realm, fn);
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
  m.open = (name: unknown, mode: unknown) => guard(() => openFile(realm, store, String(name), String(mode)));
  return m;
}

/** Chunk data size: one flash page minus the file header, as on the board. */
export const CHUNK = 4096 - 32;

/**
 * StorageFile (`Storage.open(name, "r"|"w"|"a")`): numbered chunk files (`name` + char code of the chunk
 * number, so names are at most 27 chars), each created full-size and filled in place; the data ends at the
 * first 0xFF byte, which is why a StorageFile cannot hold byte 255.
 */
function openFile(realm: Realm, store: FlashStorage, name: string, mode: string): Record<string, unknown> {
  if (name.length > 27) throw new StorageError('StorageFile name must be at most 27 characters');
  if (mode !== 'r' && mode !== 'w' && mode !== 'a') throw new StorageError(`invalid mode "${mode}"`);
  const chunkName = (i: number): string => name + String.fromCharCode(i);
  const used = (i: number): number => {
    const b = store.read(chunkName(i));
    if (!b) return -1;
    const end = b.indexOf(0xff);
    return end < 0 ? b.length : end;
  };
  const erase = (): void => {
    for (let i = 1; store.find(chunkName(i)); i++) store.erase(chunkName(i));
  };
  if (mode === 'w') erase();
  let pos = 0;
  const f = realm.object();
  f.getLength = () => {
    let n = 0;
    for (let i = 1; used(i) >= 0; i++) n += used(i);
    return n;
  };
  f.erase = erase;
  f.write = (data: unknown) =>
    guarded(realm, () => {
      if (mode === 'r') throw new StorageError('StorageFile opened for reading');
      const bytes = toBytes(data);
      if (bytes.includes(0xff)) throw new StorageError('StorageFile cannot contain byte 255');
      let i = 1;
      while (used(i + 1) >= 0) i++;
      let off = 0;
      while (off < bytes.length) {
        let u = used(i);
        if (u === CHUNK) {
          i++;
          u = -1;
        }
        const n = Math.min(CHUNK - Math.max(u, 0), bytes.length - off);
        // A new (or empty) chunk is created full-size with its first bytes; later writes fill erased bytes.
        if (u <= 0) store.write(chunkName(i), bytes.subarray(off, off + n), 0, CHUNK);
        else store.write(chunkName(i), bytes.subarray(off, off + n), u);
        off += n;
      }
    });
  const readAll = (): string => {
    let s = '';
    for (let i = 1; used(i) >= 0; i++)
      s += bytesToString((store.read(chunkName(i)) as Uint8Array).subarray(0, used(i)));
    return s;
  };
  f.read = (len: unknown) => {
    const all = readAll();
    if (pos >= all.length) return undefined;
    const out = all.slice(pos, pos + Number(len));
    pos += out.length;
    return out;
  };
  f.readLine = () => {
    const all = readAll();
    if (pos >= all.length) return undefined;
    const nl = all.indexOf('\n', pos);
    const end = nl < 0 ? all.length : nl + 1;
    const out = all.slice(pos, end);
    pos = end;
    return out;
  };
  return f;
}
