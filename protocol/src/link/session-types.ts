/** Types and wire constants of the reliable link session (session.ts). Device-safe. */
import type { CborMap } from '../cbor/mini';
import type { Fail, Result } from '../errors';
import type { ChannelStep } from './step';

export const T_HEARTBEAT = 19;
export const T_ACK = 23;
export const T_ERROR = 24;
/** Keys the session reads and writes: type, seq; ACK 2 durable, 3 base; ERROR 2 code, 3 refType, 4 refSeq. */
export const F_TYPE = 0;
export const F_SEQ = 1;

/** What the session needs from a channel role (ReaderChannel or HostChannel). */
export interface SessionChannel {
  isUp(): boolean;
  receive(b: Uint8Array, now: number): ChannelStep;
  seal(body: Uint8Array, now: number): Result<Uint8Array>;
  reset(): void;
  /** Host: a HELLO (start or renew a handshake). Reader: a clear ALERT asking the host for one. */
  kick(): Uint8Array;
  /** Whether the running session should be renewed (host: 24 h or half the counter space). */
  renewDue(now: number): boolean;
}

export interface SessionConfig {
  /** The host initiates handshakes and answers ALERTs with one; the reader only kicks with ALERTs. */
  initiator: boolean;
  /** Message types the application understands; others are answered with ERROR and skipped. */
  known: number[];
  /** Schema validation of a known message (0 = valid, else a 3xx code), e.g. via messages.ts. */
  check?: (m: CborMap) => number;
  /**
   * Host: called when a handshake completes; returns the persisted state of the reader now on the link when
   * it differs from the one the session has been serving (first contact, or another reader), else null.
   */
  peer?: () => { recvDurable: number; nextSeq: number } | null;
  /** The next seq to assign, and the peer's highest seq already stored (both persisted by the caller). */
  nextSeq?: number;
  recvDurable?: number;
  window?: number;
  maxQueue?: number;
  heartbeatMs?: number;
  deadMs?: number;
  rtoMs?: number;
  kickMinMs?: number;
  kickMaxMs?: number;
}

export interface Delivery {
  /** 0 for unsequenced messages, which need no `durable` call. */
  seq: number;
  type: number;
  msg: CborMap;
}

export interface SessionOut {
  send: Uint8Array[];
  deliver: Delivery[];
  faults: Fail[];
  /** A handshake completed during this call. */
  up: boolean;
  /** The session was lost during this call (timeout, too many failures, expiry). */
  down: boolean;
  /** The seq assigned by `send` (0 if unsequenced or refused). */
  seq: number;
  /** Every seq up to this one is stored by the peer: the caller may forget those messages (flash). */
  acked: number;
  /** Call `tick` at this time at the latest. */
  wakeAt: number;
}
