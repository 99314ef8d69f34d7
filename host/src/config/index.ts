/** Bridge configuration: types with documented defaults, validation with paths, loading. */
export { loadConfig } from './load';
export type * from './types';
export { validateConfig } from './validate';
