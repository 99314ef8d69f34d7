/** Barrel for protocol/src/frame (host entry). */
export {};
