/** @badgewire/firmware/build: Node-side tooling (bundle build, subset gate, flashing). */
export {};
