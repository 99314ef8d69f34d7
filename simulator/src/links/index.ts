/** Barrel for simulator links: in-process pairs and pseudo-terminals. */
export * from './memory';
export * from './pty';
export * from './pty-link';
