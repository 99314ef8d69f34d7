/** Barrel for the Espruino-safe part of protocol/src/link (device entry). */
export {};
