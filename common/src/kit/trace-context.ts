// The trace context as the rest of the kit uses it, on @opentelemetry/api alone (no SDK): the logger's
// fields, and the W3C `traceparent` carried by events (NATS headers, outbox records, expiration jobs).
// Without a tracer provider (OTEL_SDK_DISABLED=true) every call here still works: an incoming
// traceparent is passed on unchanged, and lines logged under it carry its ids.
import {
  context,
  createContextKey,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
} from '@opentelemetry/api';

/** The tracer of the kit's own spans: HTTP requests, event publishes and handling, expiration jobs. */
export function kitTracer() {
  return trace.getTracer('@ticketing/common');
}

/** W3C trace-context fields as they travel: NATS message headers, outbox records, job data. */
export interface TraceCarrier {
  traceparent?: string;
  tracestate?: string;
}

/** The W3C fields of `ctx` (the active context by default); empty when it has no valid span context. */
export function traceCarrierOf(ctx: Context = context.active()): TraceCarrier {
  const carrier: TraceCarrier = {};
  propagation.inject(ctx, carrier);
  return carrier;
}

/** The `traceparent` of `ctx` (the active context by default), undefined when there is none. */
export function traceparentOf(ctx: Context = context.active()): string | undefined {
  return traceCarrierOf(ctx).traceparent;
}

/**
 * The context a stored or received trace carrier continues, on top of `base` (the root context by
 * default: a message or job starts from what it carries, never from whatever happened to be active).
 * Without a valid traceparent it is `base` itself, so the work done under it starts a trace of its own.
 */
export function contextFromCarrier(carrier: TraceCarrier | undefined, base: Context = ROOT_CONTEXT): Context {
  if (!carrier?.traceparent) return base;
  return propagation.extract(base, carrier);
}

/**
 * Fields every log line written in a context gets (see logFieldsOf): the request id of the HTTP
 * request being handled, the order an event or a job is about. One object per request or message,
 * which annotateLogs may add to after it started (the order a request creates).
 */
const LOG_FIELDS = createContextKey('ticketing log fields');

export type LogFields = Record<string, string>;

/** `ctx` whose lines also carry `fields` (added to those of the enclosing context, a new object). */
export function withLogFields(ctx: Context, fields: LogFields): Context {
  const inherited = ctx.getValue(LOG_FIELDS) as LogFields | undefined;
  return ctx.setValue(LOG_FIELDS, { ...inherited, ...fields });
}

/**
 * Adds `fields` to the lines logged from now on in the current request or message, including its
 * last line (a request's response line): e.g. the order id once the order exists. Does nothing outside one.
 */
export function annotateLogs(fields: LogFields): void {
  const current = context.active().getValue(LOG_FIELDS) as LogFields | undefined;
  if (current) Object.assign(current, fields);
}

/**
 * What the logger's mixin adds to a line written in the active context: `trace_id` and `span_id` of
 * the active span (the names of the OpenTelemetry log data model, which log backends link to traces
 * by), plus the context's log fields (`reqId`, `orderId`).
 */
export function logFieldsOf(ctx: Context = context.active()): Record<string, string> {
  const fields = ctx.getValue(LOG_FIELDS) as LogFields | undefined;
  const spanContext = trace.getSpanContext(ctx);
  if (!spanContext || !trace.isSpanContextValid(spanContext)) return fields ? { ...fields } : {};
  return { trace_id: spanContext.traceId, span_id: spanContext.spanId, ...fields };
}

/** Where a response keeps the context its request was handled in (see handleInContext). */
const HANDLING_CONTEXT = Symbol('ticketing handling context');

interface HandledResponse {
  [HANDLING_CONTEXT]?: Context;
}

/**
 * Runs `handle` in `ctx`, and remembers `ctx` as the context of `response` for its last log line.
 * That line is written when the response emits 'finish' or 'close', which may come outside the
 * request's context (a connection closed by the client). Binding the response emitter to the
 * context instead would wrap every listener added to it, about a sixth of a small request's CPU.
 */
export function handleInContext(response: object, ctx: Context, handle: () => void): void {
  (response as HandledResponse)[HANDLING_CONTEXT] = ctx;
  context.with(ctx, handle);
}

/**
 * The context of a log line, given the object logged: the context its request was handled in
 * for a line about a response (`{ res }`, pino-http's), the active one otherwise.
 */
export function contextOfLine(logged: object): Context {
  const response = (logged as { res?: unknown }).res;
  const handling =
    typeof response === 'object' && response !== null ? (response as HandledResponse)[HANDLING_CONTEXT] : undefined;
  return handling ?? context.active();
}

/**
 * Runs `work` in a new span named `name` continuing the trace `carrier` holds (a stored traceparent:
 * a queued job's), or a trace of its own without one; the lines logged meanwhile carry `logFields`.
 * The span records a failure of `work`, which is rethrown.
 */
export async function continueTrace<T>(
  name: string,
  carrier: TraceCarrier | undefined,
  logFields: LogFields,
  work: () => Promise<T>,
): Promise<T> {
  const parent = contextFromCarrier(carrier);
  const span = kitTracer().startSpan(name, { kind: SpanKind.INTERNAL }, parent);
  try {
    return await context.with(withLogFields(trace.setSpan(parent, span), logFields), work);
  } catch (err) {
    span.recordException(err as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
    throw err;
  } finally {
    span.end();
  }
}
