export { commonEnv, ConfigError, loadConfig } from './config';
export { createLogger } from './logger';
export type { Logger, LoggerOptions } from './logger';
export { REQUEST_ID_HEADER, requestLogger } from './request-logger';
export { healthRoutes, mongooseConnected } from './health';
export type { CheckStatus, ReadinessCheck, ReadinessChecks } from './health';
export { createShutdown, gracefulShutdown } from './shutdown';
export { LiveStreams } from './live-streams';
export type { Shutdown, ShutdownOptions, ShutdownStep } from './shutdown';
export { createServiceApp } from './service-app';
export type { ServiceAppOptions } from './service-app';
export {
  apiInfo,
  bodyErrorResponses,
  errorResponse,
  errorsSchema,
  forbiddenResponse,
  jsonRequestBody,
  notSignedInResponse,
  openApiRoutes,
  pageResponse,
  paginationParameters,
  sessionCookieScheme,
} from './openapi';
export type { OpenApiDocument, OpenApiMount } from './openapi';
export { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, paginationRules, requestedPage, sendPage } from './pagination';
export type { RequestedPage } from './pagination';
export { reportServedResponses, servedResponses } from './served-responses';
export type { ServedResponse } from './served-responses';
export { backoffDelay } from './backoff';
export { startPeriodicTask } from './periodic-task';
export type { PeriodicTaskOptions } from './periodic-task';
export { runService } from './run-service';
export type { BackgroundTask, RunningService, RunServiceOptions, ServiceRuntime } from './run-service';
export {
  Counter,
  countConsumed,
  countPublished,
  EVENT_HANDLER_BUCKETS,
  Gauge,
  Histogram,
  HTTP_DURATION_BUCKETS,
  httpMetrics,
  metricsRoutes,
  observeHandlerDuration,
  ServiceMetrics,
  serviceMetricsOf,
  setServiceMetrics,
  UNMATCHED_ROUTE,
} from './metrics';
export type { ConsumeOutcome, PublishOutcome, Registry, ServiceMetricsOptions } from './metrics';
export { exportsSpans, installTraceContext, resetTracing, setupTracing, traceRequests, tracingEnv } from './tracing';
export type { SetupTracingOptions, Tracing, TracingConfig } from './tracing';
export { annotateLogs, continueTrace, logFieldsOf, traceCarrierOf, traceparentOf } from './trace-context';
export type { LogFields, TraceCarrier } from './trace-context';
