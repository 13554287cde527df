// Tracing with OpenTelemetry, set up once per process by runService with the service's name.
//
// Why this shape:
// - Always on: a tracer provider exists whether or not spans leave the process, so every request,
//   event and job has a trace id and a span id for the logs, and a traceparent for the next hop.
//   Exporting is what the standard OTEL_* variables switch on (OTLP over HTTP, the transport every
//   collector and Jaeger accept without gRPC's native dependencies); OTEL_SDK_DISABLED=true removes
//   the provider: no spans at all, only incoming traceparents passed on (see trace-context.ts).
// - Spans are made explicitly by the kit (HTTP requests in createServiceApp, event publishes in the
//   publisher, event handling in the listener, expiration jobs) rather than by instrumentation
//   packages' require hooks, which only work when loaded before express and http in every main.ts,
//   and would add spans for every MongoDB and Redis command nobody asked for. The spans we make are
//   the ones a purchase's trace needs, named by route template and subject, the same in every run.
// - W3C trace context only (traceparent, tracestate): what ingress-nginx, the collector and every
//   language's SDK speak. The AsyncLocalStorage context manager carries the active span through
//   await, timers and event emitters, which is how the logger's mixin finds it.
// - OpenTelemetry's 2.x SDK line: it runs on Node 20.6+ and 24; the 3.x line needs Node 22.15.
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type ContextManager,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  SimpleSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_SERVICE_NAME,
  ATTR_URL_PATH,
} from '@opentelemetry/semantic-conventions';
import type { Request, RequestHandler } from 'express';
import { z } from 'zod';
import { kitTracer } from './trace-context';

const OTLP_PROTOCOLS = ['http/protobuf', 'http/json'] as const;
const httpUrl = z.string().refine((text) => /^https?:\/\/\S+$/.test(text), {
  error: 'must be an http:// or https:// URL (OTLP over HTTP, e.g. http://otel-collector:4318)',
});
const otlpProtocol = z.enum(OTLP_PROTOCOLS, {
  error: `must be ${OTLP_PROTOCOLS.join(' or ')}: spans are exported over HTTP (OTLP/gRPC is not built in)`,
});

/**
 * The standard OpenTelemetry variables runService reads (checked at start-up like the others);
 * the exporter itself also reads the other OTEL_EXPORTER_OTLP_* ones (headers, timeout).
 * Spans are exported when OTEL_TRACES_EXPORTER=otlp, or when it is unset and an OTLP endpoint is
 * set; never with OTEL_TRACES_EXPORTER=none or OTEL_SDK_DISABLED=true. The service name of the
 * spans is the service's own (runService's name), whatever OTEL_SERVICE_NAME says.
 */
export const tracingEnv = {
  OTEL_SDK_DISABLED: z
    .string()
    .toLowerCase()
    .pipe(z.enum(['true', 'false'], { error: 'must be true or false' }))
    .default('false')
    .transform((value) => value === 'true'),
  OTEL_TRACES_EXPORTER: z
    .enum(['otlp', 'none'], { error: 'must be otlp or none (the span exporter built in is OTLP over HTTP)' })
    .optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: httpUrl.optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: httpUrl.optional(),
  OTEL_EXPORTER_OTLP_PROTOCOL: otlpProtocol.optional(),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: otlpProtocol.optional(),
};

export type TracingConfig = Partial<z.output<z.ZodObject<typeof tracingEnv>>>;

/** Whether the configuration asks for spans to be exported over OTLP. */
export function exportsSpans(config: TracingConfig): boolean {
  if (config.OTEL_SDK_DISABLED) return false;
  if (config.OTEL_TRACES_EXPORTER) return config.OTEL_TRACES_EXPORTER === 'otlp';
  return Boolean(config.OTEL_EXPORTER_OTLP_ENDPOINT || config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

export interface Tracing {
  /** The service the spans are from. */
  serviceName: string;
  /** Whether spans leave the process (OTLP, or the exporter a test gave). */
  exporting: boolean;
  /** Sends the spans still buffered. */
  flush(): Promise<void>;
  /** Flushes and stops exporting: the last step of a graceful shutdown. */
  shutdown(): Promise<void>;
}

export interface SetupTracingOptions {
  serviceName: string;
  config: TracingConfig;
  /** Instead of OTLP (tests: an InMemorySpanExporter); its spans are handed over as each ends. */
  exporter?: SpanExporter;
}

// Process-wide, like OpenTelemetry's own registrations: on globalThis, so copies of this module
// (jest's isolated module registries, which tests running several services in one process use)
// see the one setup.
const TRACING = Symbol.for('@ticketing/common.tracing');
const TRACE_CONTEXT = Symbol.for('@ticketing/common.trace-context');
type Globals = { [TRACING]?: Tracing; [TRACE_CONTEXT]?: ContextManager };

/**
 * Registers the AsyncLocalStorage context manager and the W3C propagator, once per process: what
 * request ids in logs and traceparents passed on need even where no tracer provider is set up
 * (apps built by tests). Called by setupTracing and createServiceApp.
 */
export function installTraceContext(): void {
  const globals = globalThis as Globals;
  if (globals[TRACE_CONTEXT]) return;
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  globals[TRACE_CONTEXT] = contextManager;
}

/**
 * Sets up tracing for this process (the first call wins: a test's in-memory exporter stays when
 * runService then sets up the service it starts).
 */
export function setupTracing(options: SetupTracingOptions): Tracing {
  const globals = globalThis as Globals;
  const existing = globals[TRACING];
  // Shut down by whoever set it up: another service started in the same process (tests) only flushes.
  if (existing) return { ...existing, shutdown: () => existing.flush() };
  installTraceContext();
  let tracing: Tracing;
  if (options.config.OTEL_SDK_DISABLED) {
    tracing = { serviceName: options.serviceName, exporting: false, flush: async () => {}, shutdown: async () => {} };
  } else {
    // The OTLP exporter reads the endpoint, headers and timeout from the OTEL_EXPORTER_OTLP_* variables.
    const exporter = options.exporter ?? (exportsSpans(options.config) ? new OTLPTraceExporter() : undefined);
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.serviceName }),
      // Batched to the collector; a test's exporter gets each span as it ends, so it can be asserted on at once.
      spanProcessors: exporter
        ? [options.exporter ? new SimpleSpanProcessor(exporter) : new BatchSpanProcessor(exporter)]
        : [],
    });
    trace.setGlobalTracerProvider(provider);
    tracing = {
      serviceName: options.serviceName,
      exporting: exporter !== undefined,
      flush: () => provider.forceFlush(),
      shutdown: () => provider.shutdown(),
    };
  }
  globals[TRACING] = tracing;
  return tracing;
}

/**
 * Forgets this process's tracing setup (tests that set it up several ways in one file): the next
 * setupTracing starts afresh. Spans of the old provider are flushed and no longer exported.
 */
export async function resetTracing(): Promise<void> {
  const globals = globalThis as Globals;
  const tracing = globals[TRACING];
  delete globals[TRACING];
  trace.disable();
  await tracing?.shutdown();
}

// Probes and scrapes every few seconds would bury the traces worth reading.
const UNTRACED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/** `/api/orders/:orderId` for a request that reached a route, undefined otherwise (404s). */
function routeTemplateOf(req: Request): string | undefined {
  const path: unknown = req.route?.path;
  return typeof path === 'string' ? `${req.baseUrl}${path}` : undefined;
}

/**
 * Express middleware starting the SERVER span of each request, as the child of the caller's
 * `traceparent` (the gateway's, ingress-nginx's, another service's) or of nothing; the request is
 * handled inside it. Mounted before requestLogger. Named `POST /api/orders/:id`
 * by method and route template once routed, by method alone when no route matched.
 */
export function traceRequests(): RequestHandler {
  return (req, res, next) => {
    if (UNTRACED_PATHS.has(req.path)) {
      next();
      return;
    }
    const parent = propagation.extract(ROOT_CONTEXT, req.headers);
    const span = kitTracer().startSpan(
      req.method,
      { kind: SpanKind.SERVER, attributes: { [ATTR_HTTP_REQUEST_METHOD]: req.method, [ATTR_URL_PATH]: req.path } },
      parent,
    );
    const active = trace.setSpan(parent, span);
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      const route = routeTemplateOf(req);
      if (route) {
        span.updateName(`${req.method} ${route}`);
        span.setAttribute(ATTR_HTTP_ROUTE, route);
      }
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    };
    res.once('finish', end);
    res.once('close', end);
    // requestLogger, next, keeps the request's context (with this span) for the response's log line.
    context.with(active, next);
  };
}
