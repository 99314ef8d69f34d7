/** Outputs fed from the journal: MQTT 5. */

export * from './cursor';
export * from './mqtt';
