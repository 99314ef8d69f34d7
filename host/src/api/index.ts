/** The integrator API: HTTPS + JWT, per-tenant stores, event stream, audit trail, metrics. */

export * from './audit';
export * from './clients';
export * from './clients-file';
export * from './errors';
export * from './jwt';
export * from './metrics';
export type * from './readers';
export { ROUTES, SCOPES } from './routes';
export * from './server';
export * from './sse';
export * from './start';
export * from './tenants';
export * from './validate';
