import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { resetTracing, setupTracing } from '../kit/tracing';

export type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

export interface TestTracing {
  exporter: InMemorySpanExporter;
  /** Every span ended so far. */
  spans(): ReadableSpan[];
  /** Forgets the setup (and its spans): the process has no tracing again. */
  stop(): Promise<void>;
}

/**
 * This process's tracing, exporting to memory: set up before the services' apps or runService (which
 * then keep it), so that every span they make is here as soon as it ends.
 */
export async function startTestTracing(serviceName = 'test'): Promise<TestTracing> {
  await resetTracing();
  const exporter = new InMemorySpanExporter();
  setupTracing({ serviceName, config: {}, exporter });
  return { exporter, spans: () => exporter.getFinishedSpans(), stop: resetTracing };
}

/** The span id of `span`'s parent; undefined for a root span. */
export function parentSpanIdOf(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}
