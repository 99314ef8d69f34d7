/** Barrel for the Espruino-safe part of protocol/src/badge (device entry). */
export {};
