import { createLogger, type Logger } from '../kit/logger';

export interface CapturedLogs {
  logger: Logger;
  /** Every line written so far, parsed. */
  lines: Record<string, unknown>[];
  /** Every line written so far, as written. */
  raw: string[];
}

/** A real pino logger (level debug unless told) whose JSON lines are kept in memory for assertions. */
export function captureLogs({ serviceName = 'test-service', level = 'debug' } = {}): CapturedLogs {
  const raw: string[] = [];
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger(serviceName, {
    level,
    destination: {
      write(line: string) {
        raw.push(line);
        lines.push(JSON.parse(line) as Record<string, unknown>);
      },
    },
  });
  return { logger, lines, raw };
}
