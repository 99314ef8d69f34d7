/** @badgewire/firmware: port types and the pure application layers (also used by the simulator). */
export {};
