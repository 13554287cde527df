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
  /** Of the span active when the line was logged (every service line while tracing: see @ticketing/common's logger). */
  trace_id?: unknown;
  /** The order the request or event being handled is about. */
  orderId?: unknown;
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
  // In the log files; on the console the trace id (what --follow takes) is enough.
  'span_id',
  'reqId',
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
    const order = typeof entry.orderId === 'string' ? ` orderId=${entry.orderId}` : '';
    const traced = typeof entry.trace_id === 'string' ? ` trace_id=${entry.trace_id}` : '';
    return `${entry.res.statusCode} ${entry.req.method} ${entry.req.url} ${entry.responseTime} ms${order}${traced}`;
  }
  const level = entry.level === undefined || entry.level === 30 ? '' : `${LEVEL_NAMES[entry.level] ?? entry.level} `;
  const error = entry.err?.message && entry.err.message !== entry.msg ? `: ${entry.err.message}` : '';
  const fields = Object.entries(entry)
    .filter(([key, value]) => !SHOWN_OTHERWISE.has(key) && ['string', 'number', 'boolean'].includes(typeof value))
    .map(([key, value]) => ` ${key}=${String(value)}`)
    .join('');
  return `${level}${entry.msg ?? ''}${error}${fields}`;
}

/** What `--follow` takes: an order id (a MongoDB ObjectId) or a trace id (W3C, 32 hex digits). */
export const FOLLOWABLE_ID = /^(?:[0-9a-f]{24}|[0-9a-f]{32})$/;

/**
 * Picks out the service lines of one order or one trace (`npm start -- --follow <id>`), by their
 * fields, not by where the id happens to appear: a line whose `orderId` or `trace_id` is the id,
 * and every line of a trace an earlier such line of the order was in (the request that created
 * the order, the events it caused, the expiration job), so an order's whole story shows.
 */
export class LogFollower {
  private readonly tracesOfOrder = new Set<string>();

  constructor(readonly id: string) {}

  shows(line: string): boolean {
    const entry = parse(line);
    if (!entry) return false;
    const traceId = typeof entry.trace_id === 'string' ? entry.trace_id : undefined;
    if (entry.orderId === this.id) {
      if (traceId) this.tracesOfOrder.add(traceId);
      return true;
    }
    return traceId !== undefined && (traceId === this.id || this.tracesOfOrder.has(traceId));
  }
}
