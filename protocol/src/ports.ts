/**
 * Hardware and platform ports shared by every layer (see style: "hardware is reached only through small
 * interfaces"). Types only: the device entry re-exports them, so they must stay Espruino-safe.
 */

/**
 * The AES block function. The block is always 128 bits; the key is 16 bytes (AES-128: badge frames,
 * NTAG 424 DNA) or 32 bytes (AES-256: the reader link). Only whole blocks are accepted.
 *
 * ECB and CBC are the two calls every target has natively (Espruino `crypto.AES`, @noble/ciphers,
 * node:crypto): CTR is built from one ECB call over the counter blocks, CMAC from one CBC call.
 */
export interface Aes128 {
  /** AES-ECB encryption of `data` (a multiple of 16 bytes). */
  ecb(key: Uint8Array, data: Uint8Array): Uint8Array;
  /** AES-CBC encryption without padding of `data` (a multiple of 16 bytes). */
  cbc(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array;
}

/** Decryption, needed only on the host (NFC tap blocks, SUN PICCData); readers and badges never decrypt. */
export interface AesDecrypt extends Aes128 {
  ecbDecrypt(key: Uint8Array, data: Uint8Array): Uint8Array;
  cbcDecrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array;
}

/** A cryptographically secure random source. Implementations throw rather than fall back. */
export interface Random {
  fill(out: Uint8Array): void;
}

/**
 * A byte stream to a peer. `write` returns the number of bytes queued (all of them), 0 when busy (retry the
 * same bytes later), or a negative number when the link is dead. Never a partial write (libosdp contract).
 * Chunks arrive in any size; framing lives above the link.
 */
export interface Link {
  write(bytes: Uint8Array): number;
  onData(cb: (chunk: Uint8Array) => void): void;
  onClose(cb: (code: number) => void): void;
  close(): void;
}

/** Time, injected so the same code runs on a board, in Node and on the simulator's virtual clock. */
export interface Clock {
  /** Monotonic milliseconds. */
  now(): number;
  /** Seconds since the Unix epoch, as the device believes it. */
  epoch(): number;
  setTimer(ms: number, cb: () => void): number;
  clearTimer(id: number): void;
}
