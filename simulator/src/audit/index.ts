export { type AuditResult, formatHits, PiiAudit } from './audit';
export { attendeeCanaries, type Canary, type CanaryKind } from './canary';
export { type Pattern, patternsFor } from './encodings';
export { type DeviceMemory, type HeldValue, heldValuesOf, type MemoryRoot } from './realm-walk';
export { CanaryIndex, type Hit } from './scanner';
