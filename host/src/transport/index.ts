/** Barrel for the host transports (serial, BLE). BLE loads @stoprocent/noble lazily, on first use. */

export * from './ble';
export * from './ble-supervisor';
export * from './discovery';
export * from './errors';
export * from './link-events';
export * from './serial';
export * from './serial-supervisor';
export * from './write-stall';
