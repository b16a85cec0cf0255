import { type Logger, pino } from 'pino';

export type { Logger };

/** Structured JSON logs on stdout; one line per request carries its request id. */
export function createLogger(level = 'info', destination?: NodeJS.WritableStream): Logger {
  const options = { level, base: { service: 'splitflow-broker' }, timestamp: pino.stdTimeFunctions.isoTime };
  return destination ? pino(options, destination as never) : pino(options);
}
