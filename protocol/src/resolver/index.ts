/** Barrel for protocol/src/resolver (host entry). */
export {};
