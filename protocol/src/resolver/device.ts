/** Barrel for the Espruino-safe part of protocol/src/resolver (device entry). */
export {};
