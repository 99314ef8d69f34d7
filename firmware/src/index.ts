/** @badgewire/firmware: port types and the pure application layers (also used by the simulator). */
export * from './drivers/pn532';
export * from './drivers/pn532-bus';
export * from './drivers/pn532-frame';
export * from './ports';
