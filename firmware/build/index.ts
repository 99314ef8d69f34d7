/** @badgewire/firmware/build: Node-side tooling (bundle build, subset gate, budgets, CLI registration). */
export * from './bundle';
export * from './cli';
export * from './flash/index';
export * from './subset';
export * from './subset-budget';
