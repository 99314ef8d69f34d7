/** Barrel for protocol/src/link (host entry). */
export {};
