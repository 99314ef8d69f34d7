/** The decision engine: reader events -> resolver -> access logic -> journal -> DECISION. */
export { BUZZER_CODES, type DecisionFields, decisionFields, LED_CODES, REASON_CODES } from './codes';
export {
  DecisionEngine,
  type DecisionEngineOptions,
  type EngineEnrolment,
  type EngineStores,
  emptyEngineStats,
} from './engine';
export {
  type BadgeEnrolment,
  type EnrolmentFile,
  enrolBadges,
  type MasterKeySource,
  readEnrolmentFile,
} from './enrol';
export type { DecisionPort, EngineReader, EngineStats, SunSetup, TapMode } from './tenant';
