import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SpanKind } from '@opentelemetry/api';
import { Router } from 'express';
import request from 'supertest';
import { z } from 'zod';
import { captureLogs } from '../testing/log-capture';
import { parentSpanIdOf, startTestTracing, type TestTracing } from '../testing/tracing';
import { waitFor } from '../testing/wait';
import { ConfigError, loadConfig } from './config';
import { createServiceApp } from './service-app';
import { annotateLogs } from './trace-context';
import { exportsSpans, tracingEnv } from './tracing';

const tracingSchema = z.object(tracingEnv);

describe('the OTEL_* variables', () => {
  it.each([
    [{}, false],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, true],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://collector:4318/v1/traces' }, true],
    [{ OTEL_TRACES_EXPORTER: 'otlp' }, true],
    [{ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, false],
    [{ OTEL_SDK_DISABLED: 'TRUE', OTEL_TRACES_EXPORTER: 'otlp' }, false],
    [{ OTEL_SDK_DISABLED: 'false', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, true],
  ])('%j: exporting %s', (env, exporting) => {
    expect(exportsSpans(loadConfig(tracingSchema, env))).toBe(exporting);
  });

  it('are refused at start-up when they cannot be followed, each named', () => {
    const env = {
      OTEL_SDK_DISABLED: 'yes',
      OTEL_TRACES_EXPORTER: 'jaeger',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
    };
    expect(() => loadConfig(tracingSchema, env)).toThrow(ConfigError);
    try {
      loadConfig(tracingSchema, env);
    } catch (err) {
      expect((err as ConfigError).problems).toEqual([
        'OTEL_SDK_DISABLED: must be true or false',
        'OTEL_TRACES_EXPORTER: must be otlp or none (the span exporter built in is OTLP over HTTP)',
        'OTEL_EXPORTER_OTLP_ENDPOINT: must be an http:// or https:// URL (OTLP over HTTP, e.g. http://otel-collector:4318)',
        'OTEL_EXPORTER_OTLP_PROTOCOL: must be http/protobuf or http/json: spans are exported over HTTP (OTLP/gRPC is not built in)',
      ]);
    }
  });
});

describe('a request to a service app', () => {
  let tracing: TestTracing;
  beforeAll(async () => {
    tracing = await startTestTracing();
  });
  afterAll(() => tracing.stop());

  function appWithLogs() {
    const logs = captureLogs();
    const router = Router();
    router.get('/api/things/:thingId', async (req, res) => {
      // Lines of the service's logger (not req.log) and of req.log, one of them after an await.
      logs.logger.info({}, 'looking the thing up');
      await new Promise((resolve) => setImmediate(resolve));
      annotateLogs({ orderId: req.params.thingId as string });
      req.log.info({}, 'found it');
      res.json({ id: req.params.thingId });
    });
    return { app: createServiceApp({ logger: logs.logger, routers: [router] }), logs };
  }

  it("is a SERVER span named by route template under the caller's traceparent, and every line carries its ids and the request id", async () => {
    const { app, logs } = appWithLogs();
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const callerSpanId = '00f067aa0ba902b7';
    const response = await request(app)
      .get('/api/things/abc')
      .set('traceparent', `00-${traceId}-${callerSpanId}-01`)
      .expect(200);

    const [span] = tracing.spans().filter((each) => each.spanContext().traceId === traceId);
    expect(span.name).toBe('GET /api/things/:thingId');
    expect(span.kind).toBe(SpanKind.SERVER);
    expect(parentSpanIdOf(span)).toBe(callerSpanId);
    expect(span.attributes['http.route']).toBe('/api/things/:thingId');
    expect(span.attributes['http.response.status_code']).toBe(200);

    const requestId = response.headers['x-request-id'];
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(logs.lines.map((line) => line.msg)).toEqual(['looking the thing up', 'found it', 'request completed']);
    for (const line of logs.lines) {
      expect(line).toMatchObject({ trace_id: traceId, span_id: span.spanContext().spanId, reqId: requestId });
    }
    // Annotated once the order was known: from then on, including the response's line.
    expect(logs.lines.map((line) => line.orderId)).toEqual([undefined, 'abc', 'abc']);
  });

  it("writes the request's ids on the line of a response its client went away from, logged outside its context", async () => {
    const logs = captureLogs();
    let started!: () => void;
    const handling = new Promise<void>((resolve) => (started = resolve));
    const router = Router();
    router.get('/api/slow', async (_req, res) => {
      annotateLogs({ orderId: 'slow-order' });
      started();
      // Never answered: the client gives up first.
      await once(res, 'close');
    });
    const server = createServiceApp({ logger: logs.logger, routers: [router] }).listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const traceId = '0af7651916cd43dd8448eb211c80319c';
      const { port } = server.address() as AddressInfo;
      const client = http.get({
        port,
        host: '127.0.0.1',
        path: '/api/slow',
        headers: { traceparent: `00-${traceId}-b7ad6b7169203331-01`, 'x-request-id': 'gone-1' },
      });
      client.on('error', () => {});
      await handling;
      client.destroy();
      await waitFor(() => logs.lines.find((line) => line.req !== undefined), { description: "the response's line" });
      expect(logs.lines.find((line) => line.req !== undefined)).toMatchObject({
        trace_id: traceId,
        reqId: 'gone-1',
        orderId: 'slow-order',
      });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('starts a trace of its own without a traceparent, named by method alone when no route matched', async () => {
    const { app, logs } = appWithLogs();
    const before = tracing.spans().length;
    await request(app).get('/api/nothing').expect(404);
    const [span] = tracing.spans().slice(before);
    expect(span.name).toBe('GET');
    expect(parentSpanIdOf(span)).toBeUndefined();
    expect(logs.lines).toHaveLength(1);
    expect(logs.lines[0]).toMatchObject({ trace_id: span.spanContext().traceId, span_id: span.spanContext().spanId });
  });

  it('leaves the probes untraced', async () => {
    const { app } = appWithLogs();
    const before = tracing.spans().length;
    await request(app).get('/healthz').expect(200);
    expect(tracing.spans().length).toBe(before);
  });
});
