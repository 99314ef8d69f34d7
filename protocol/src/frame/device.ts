/** Barrel for the Espruino-safe part of protocol/src/frame (device entry). */
export {};
