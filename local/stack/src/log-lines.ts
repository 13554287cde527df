// The services log pino JSON lines: complete in the log files, too dense for a terminal.
// These turn one line into the short text shown on the console and in error messages.

const LEVEL_NAMES: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};

interface PinoLine {
  level?: number;
  msg?: string;
  err?: { message?: string };
  req?: { method?: string; url?: string };
  res?: { statusCode?: number };
  responseTime?: number;
}

function parse(line: string): PinoLine | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const parsed: unknown = JSON.parse(line);
    return typeof parsed === 'object' && parsed !== null ? (parsed as PinoLine) : undefined;
  } catch {
    return undefined;
  }
}

// Fields every line has or that are shown otherwise; the others are appended as key=value.
const SHOWN_OTHERWISE = new Set([
  'level',
  'time',
  'pid',
  'hostname',
  'service',
  'msg',
  'err',
  'req',
  'res',
  'responseTime',
]);

/** The pino level of a line (30, info, for a line that is not pino JSON). */
export function logLevelOf(line: string): number {
  return parse(line)?.level ?? 30;
}

/**
 * `201 POST /api/orders 12 ms` for a request, `listening subject=ticket.created` for an info
 * line, `WARN disconnected from NATS` otherwise (plus the error's message); other lines as they are.
 */
export function compactLogLine(line: string): string {
  const entry = parse(line);
  if (!entry) return line;
  if (entry.req && entry.res) {
    return `${entry.res.statusCode} ${entry.req.method} ${entry.req.url} ${entry.responseTime} ms`;
  }
  const level = entry.level === undefined || entry.level === 30 ? '' : `${LEVEL_NAMES[entry.level] ?? entry.level} `;
  const error = entry.err?.message && entry.err.message !== entry.msg ? `: ${entry.err.message}` : '';
  const fields = Object.entries(entry)
    .filter(([key, value]) => !SHOWN_OTHERWISE.has(key) && ['string', 'number', 'boolean'].includes(typeof value))
    .map(([key, value]) => ` ${key}=${String(value)}`)
    .join('');
  return `${level}${entry.msg ?? ''}${error}${fields}`;
}
