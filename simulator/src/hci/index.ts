/** Barrel for the virtual Bluetooth controller (HCI over UART on a pty) and its NUS peripherals. */
export * from './att';
export * from './attach';
export * from './controller';
export * from './h4';
export * from './peripheral';
