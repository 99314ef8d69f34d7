/**
 * Structured logs (pino). Redaction happens twice: on the arguments of each call (so Error objects, byte
 * arrays and secret-named fields are masked before pino serialises them) and on each finished line (so
 * child-logger bindings and anything pino adds pass the same net). See ./redact.
 */
import pino from 'pino';
import { redactLine, redactValue } from './redact';

export type Logger = pino.Logger;
export { redactLine, redactString, redactValue } from './redact';

export interface LogSink {
  write(line: string): unknown;
}

export interface LoggerOptions {
  level?: pino.LevelWithSilent;
  /** Where lines go; stdout when omitted. Tests pass a collecting sink. */
  sink?: LogSink;
  /** Static fields on every line (component names, tenant ids: opaque references only). */
  base?: Record<string, unknown>;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const sink = opts.sink ?? pino.destination({ dest: 1, sync: true });
  const out: LogSink = { write: (line: string) => sink.write(redactLine(line)) };
  return pino(
    {
      level: opts.level ?? 'info',
      base: (opts.base ? redactValue(opts.base) : {}) as Record<string, unknown>,
      serializers: { err: (e: unknown) => redactValue(e) },
      hooks: {
        logMethod(args, method) {
          const first: unknown = args[0];
          // pino files a leading Error under `err`; keep that shape once it is a plain redacted object.
          const lead = first instanceof Error ? { err: first } : first;
          const rest = args.slice(1);
          if (first instanceof Error && typeof rest[0] !== 'string') rest.unshift(first.message);
          const clean = [lead, ...rest].map((a) => redactValue(a)) as Parameters<typeof method>;
          method.apply(this, clean);
        },
      },
    },
    out as pino.DestinationStream,
  );
}

/** A logger that writes nothing, for library callers that pass none. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
