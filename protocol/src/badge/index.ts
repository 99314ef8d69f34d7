/** Barrel for protocol/src/badge (host entry). */
export {};
