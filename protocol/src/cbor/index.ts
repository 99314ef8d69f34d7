/** Barrel for protocol/src/cbor (host entry). */
export {};
