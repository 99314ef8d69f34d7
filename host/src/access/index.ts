/** Host access logic: pure, time-injected modules over opaque refs (no PII, no I/O). */
export * from './leads';
export * from './policy';
export * from './presence';
export * from './relay';
export * from './time-base';
