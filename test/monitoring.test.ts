// The monitoring component (infra/k8s/components/monitoring): what Prometheus scrapes, the alert
// rules and the Grafana dashboard, checked against the Services, the pods and the metric names the
// services export (test/metric-names.ts).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { SERVICE_NAMES } from '../local/stack/src/services';
import { k8sDir, renderWith, type Manifest } from './kubernetes-manifests';
import { COMMON_LABELS, METRICS, SERIES_NAMES, TARGET_LABELS } from './metric-names';
import { readPromql } from './promql';

const componentDir = path.join(k8sDir, 'components/monitoring');
const dashboardFile = path.join(componentDir, 'dashboards/ticketing.json');

const renders: Record<string, Manifest[]> = {
  'base with components/monitoring': renderWith('base', ['monitoring']),
  'base with components/network-policies and monitoring': renderWith('base', ['network-policies', 'monitoring']),
  'overlays/prod with components/monitoring': renderWith('overlays/prod', ['monitoring']),
};

const MONITORING_API = 'monitoring.coreos.com/v1';
const DASHBOARD_CONFIG_MAP = 'ticketing-grafana-dashboard';
const SCRAPE_PATH = '/metrics';

// Every label any series may carry: a selector's or grouping's label outside these names nothing.
const ALL_LABELS = new Set([...SERIES_NAMES.values()].flatMap((series) => series.labels));

/** What is wrong with a PromQL expression: its syntax, or a series, label or label value the services do not export. */
function promqlProblems(expression: string): string[] {
  const reading = readPromql(expression);
  const problems = [...reading.errors];
  for (const selector of reading.selectors) {
    const series = selector.name === undefined ? undefined : SERIES_NAMES.get(selector.name);
    if (!series) {
      problems.push(`${selector.name ?? '{…}'}: not a series the services export`);
      continue;
    }
    const definition = METRICS[series.metric];
    for (const { label, op, value } of selector.matchers) {
      if (!series.labels.includes(label)) {
        problems.push(`${selector.name}: has no label ${label}`);
        continue;
      }
      const values = definition.values?.[label];
      if (!values) continue;
      const matches = (candidate: string) =>
        op === '=' || op === '!=' ? candidate === value : new RegExp(`^(?:${value})$`).test(candidate);
      if (!values.some(matches)) problems.push(`${selector.name}: ${label}${op}"${value}" matches none of ${values}`);
    }
  }
  for (const label of reading.groupingLabels) {
    if (!ALL_LABELS.has(label)) problems.push(`grouping by ${label}: no series has that label`);
  }
  return problems;
}

/** Whether a label selector (matchLabels, matchExpressions) selects these labels. */
function selects(selector: Manifest, labels: Record<string, string> = {}): boolean {
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
  const byExpressions = (selector.matchExpressions ?? []).every((expression: Manifest) => {
    const has = expression.key in labels;
    switch (expression.operator) {
      case 'In':
        return has && expression.values.includes(labels[expression.key]);
      case 'NotIn':
        return !has || !expression.values.includes(labels[expression.key]);
      case 'Exists':
        return has;
      case 'DoesNotExist':
        return !has;
      default:
        throw new Error(`unknown selector operator ${expression.operator}`);
    }
  });
  return byLabels && byExpressions;
}

const ofKind = (objects: Manifest[], kind: string) => objects.filter((object) => object.kind === kind);
const named = (objects: Manifest[], kind: string, name: string) =>
  objects.find((object) => object.kind === kind && object.metadata.name === name);

const labelSelector = z.object({
  matchLabels: z.record(z.string(), z.string()).optional(),
  matchExpressions: z
    .array(z.object({ key: z.string(), operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']) }).loose())
    .optional(),
});
const prometheusDuration = z.string().regex(/^(\d+(ms|s|m|h|d|w|y))+$/);

// The fields of the Prometheus Operator's CRDs (monitoring.coreos.com/v1) this component relies on.
const serviceMonitorSchema = z.object({
  apiVersion: z.literal(MONITORING_API),
  kind: z.literal('ServiceMonitor'),
  metadata: z.object({ name: z.string().min(1), labels: z.record(z.string(), z.string()).optional() }).loose(),
  spec: z
    .object({
      selector: labelSelector,
      endpoints: z
        .array(
          z
            .object({
              port: z.string().min(1),
              path: z.string().startsWith('/'),
              interval: prometheusDuration,
              scrapeTimeout: prometheusDuration.optional(),
            })
            .strict(),
        )
        .min(1),
    })
    .strict(),
});

const EXPECTED_ALERTS = [
  'TicketingHigh5xxRate',
  'TicketingHighLatencyP99',
  'TicketingOutboxBacklogOld',
  'TicketingConsumerPendingGrowing',
  'TicketingEventDeadLettered',
  'TicketingExpirationsLate',
  'TicketingEmailsFailing',
  'TicketingEmailsDelayed',
];

const alertRuleSchema = z
  .object({
    alert: z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/),
    expr: z.string().min(1),
    for: prometheusDuration,
    labels: z.object({ severity: z.enum(['critical', 'warning', 'info']) }).strict(),
    annotations: z.object({ summary: z.string().min(1), description: z.string().min(1) }).strict(),
  })
  .strict();
const prometheusRuleSchema = z.object({
  apiVersion: z.literal(MONITORING_API),
  kind: z.literal('PrometheusRule'),
  metadata: z.object({ name: z.string().min(1), labels: z.record(z.string(), z.string()).optional() }).loose(),
  spec: z
    .object({
      groups: z.array(z.object({ name: z.string().min(1), rules: z.array(alertRuleSchema).min(1) }).strict()).min(1),
    })
    .strict(),
});

/** The model class of a built-in object, from kubernetes-models' module for its apiVersion. */
async function modelClass(apiVersion: string, kind: string) {
  const module = await import(`kubernetes-models/${apiVersion}`);
  if (typeof module[kind] !== 'function') throw new Error(`kubernetes-models has no ${apiVersion} ${kind}`);
  return module[kind] as new (data: unknown) => { validate(): void };
}

describe.each(Object.keys(renders))('kubectl kustomize %s', (renderName) => {
  const objects = renders[renderName];
  const services = ofKind(objects, 'Service');

  it('renders built-in objects that validate against the Kubernetes API schema, and one ServiceMonitor and PrometheusRule', async () => {
    const monitoringObjects = objects.filter((object) => object.apiVersion === MONITORING_API);
    expect(monitoringObjects.map((object) => object.kind).sort()).toEqual(['PrometheusRule', 'ServiceMonitor']);
    for (const object of objects.filter((candidate) => candidate.apiVersion !== MONITORING_API)) {
      const Model = await modelClass(object.apiVersion, object.kind);
      expect(() => new Model(object).validate()).not.toThrow();
    }
  });

  it("the ServiceMonitor scrapes exactly the six services' /metrics on their port http every 15 s", () => {
    const [monitor] = ofKind(objects, 'ServiceMonitor');
    const { spec } = serviceMonitorSchema.parse(monitor);
    const selected = services.filter((service) => selects(spec.selector, service.metadata.labels));
    expect(selected.map((service) => service.metadata.name).sort()).toEqual([...SERVICE_NAMES].sort());
    expect(spec.endpoints).toEqual([expect.objectContaining({ port: 'http', path: SCRAPE_PATH, interval: '15s' })]);
    for (const service of selected) {
      const servicePort = service.spec.ports.find((port: Manifest) => port.name === spec.endpoints[0].port);
      expect({ [service.metadata.name]: servicePort }).toEqual({ [service.metadata.name]: expect.anything() });
      // The port reaches the container's port of that name, the one the service listens on.
      const deployment = named(objects, 'Deployment', service.metadata.name);
      expect(deployment.spec.template.metadata.labels).toMatchObject(service.spec.selector);
      const containerPort = deployment.spec.template.spec.containers[0].ports.find(
        (port: Manifest) => port.name === servicePort.targetPort,
      );
      expect(containerPort?.containerPort).toBe(3000);
    }
  });

  it("annotates the six services' pods for scraping on their http port, and not the client's", () => {
    for (const deployment of ofKind(objects, 'Deployment')) {
      const { name } = deployment.metadata;
      const annotations = deployment.spec.template.metadata.annotations ?? {};
      if (name === 'client') {
        expect(annotations['prometheus.io/scrape']).toBeUndefined();
        continue;
      }
      const [container] = deployment.spec.template.spec.containers;
      const http = container.ports.find((port: Manifest) => port.name === 'http');
      expect({ name, annotations }).toEqual({
        name,
        annotations: expect.objectContaining({
          'prometheus.io/scrape': 'true',
          'prometheus.io/port': String(http.containerPort),
          'prometheus.io/path': SCRAPE_PATH,
        }),
      });
    }
    expect(
      ofKind(objects, 'Deployment')
        .map((deployment) => deployment.metadata.name)
        .sort(),
    ).toEqual([...SERVICE_NAMES, 'client'].sort());
  });

  it("admits Prometheus (namespace monitoring) to each service's port http wherever a NetworkPolicy isolates the service", () => {
    const policies = ofKind(objects, 'NetworkPolicy');
    for (const service of SERVICE_NAMES) {
      const podLabels = named(objects, 'Deployment', service).spec.template.metadata.labels;
      const isolating = policies.filter(
        (policy) => selects(policy.spec.podSelector, podLabels) && policy.spec.policyTypes.includes('Ingress'),
      );
      if (isolating.length === 0) continue;
      const prometheusPod = { 'app.kubernetes.io/name': 'prometheus' };
      const monitoringNamespace = { 'kubernetes.io/metadata.name': 'monitoring' };
      const admitted = isolating.some((policy) =>
        (policy.spec.ingress ?? []).some(
          (rule: Manifest) =>
            (rule.ports ?? []).some((port: Manifest) => port.port === 'http') &&
            (rule.from ?? []).some(
              (peer: Manifest) =>
                peer.namespaceSelector &&
                selects(peer.namespaceSelector, monitoringNamespace) &&
                selects(peer.podSelector ?? {}, prometheusPod),
            ),
        ),
      );
      expect({ service, admitted }).toEqual({ service, admitted: true });
    }
  });

  it('has the alert rules, each with a duration, a severity, a summary and a description', () => {
    const [rule] = ofKind(objects, 'PrometheusRule');
    const { spec } = prometheusRuleSchema.parse(rule);
    const alerts = spec.groups.flatMap((group) => group.rules.map((candidate) => candidate.alert));
    expect([...alerts].sort()).toEqual([...EXPECTED_ALERTS].sort());
  });

  it("holds the dashboard in a ConfigMap Grafana's sidecar loads, under a fixed name", () => {
    const configMap = named(objects, 'ConfigMap', DASHBOARD_CONFIG_MAP);
    expect(configMap?.metadata.labels).toMatchObject({ grafana_dashboard: '1' });
    expect(Object.keys(configMap.data)).toEqual(['ticketing.json']);
    expect(configMap.data['ticketing.json']).toBe(readFileSync(dashboardFile, 'utf8'));
  });
});

describe('the alert rules', () => {
  const [rule] = ofKind(renders['base with components/monitoring'], 'PrometheusRule');
  const rules = prometheusRuleSchema.parse(rule).spec.groups.flatMap((group) => group.rules);
  const byName = Object.fromEntries(rules.map((candidate) => [candidate.alert, candidate]));

  it.each(rules.map((candidate) => candidate.alert))(
    '%s: parses, on series and labels the services export',
    (alert) => {
      expect(promqlProblems(byName[alert].expr)).toEqual([]);
    },
  );

  // What each alert of the issue watches, and for how long it must hold.
  it.each([
    ['TicketingHigh5xxRate', 'http_request_duration_seconds_count', /status_code=~"5\.\."/, /> 0\.05\s*$/, '5m'],
    ['TicketingHighLatencyP99', 'http_request_duration_seconds_bucket', /histogram_quantile\(0\.99,/, /> 1\s*$/, '10m'],
    ['TicketingOutboxBacklogOld', 'outbox_oldest_pending_age_seconds', /max by/, /> 60\s*$/, '5m'],
    ['TicketingConsumerPendingGrowing', 'jetstream_consumer_pending_messages', /deriv\(/, /> 100\b/, '5m'],
    ['TicketingEventDeadLettered', 'events_consumed_total', /outcome="dead_lettered"/, /increase\(.*\) > 0\s*$/s, '0m'],
    ['TicketingExpirationsLate', 'expiration_lateness_seconds_bucket', /le=~"1/, /> 0\.01\s*$/, '10m'],
  ])('%s watches %s', (alert, series, pattern, threshold, duration) => {
    const { expr } = byName[alert];
    expect(readPromql(expr).selectors.map((selector) => selector.name)).toContain(series);
    expect(expr).toMatch(pattern);
    expect(expr).toMatch(threshold);
    expect(byName[alert].for).toBe(duration);
  });
});

const datasource = z.object({ type: z.literal('prometheus'), uid: z.literal('${DS_PROMETHEUS}') }).strict();
const gridPos = z.object({
  x: z.number().int().min(0),
  y: z.number().int().min(0),
  w: z.number().int().min(1),
  h: z.number().int().min(1),
});
const panelSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('row'), id: z.number(), title: z.string().min(1), gridPos }).loose(),
  z
    .object({
      type: z.enum(['timeseries', 'heatmap', 'stat', 'bargauge', 'table']),
      id: z.number(),
      title: z.string().min(1),
      description: z.string().min(1),
      datasource,
      gridPos,
      targets: z
        .array(
          z.object({ refId: z.string().min(1), datasource, expr: z.string().min(1), legendFormat: z.string() }).loose(),
        )
        .min(1),
    })
    .loose(),
]);
const dashboardSchema = z
  .object({
    title: z.string().min(1),
    uid: z.string().min(1),
    schemaVersion: z.number(),
    templating: z.object({
      list: z.array(z.object({ name: z.string(), type: z.string() }).loose()),
    }),
    panels: z.array(panelSchema).min(1),
  })
  .loose();

/** The panels, by title: a series each must show. */
const REQUIRED_PANELS: Record<string, { row: string; series: string[]; pattern?: RegExp }> = {
  'Request rate': { row: 'RED per service', series: ['http_request_duration_seconds_count'] },
  '5xx rate': {
    row: 'RED per service',
    series: ['http_request_duration_seconds_count'],
    pattern: /status_code=~"5\.\."/,
  },
  'Latency p50 and p99': {
    row: 'RED per service',
    series: ['http_request_duration_seconds_bucket'],
    pattern: /histogram_quantile\(0\.5,[^]*histogram_quantile\(0\.99,/,
  },
  'Events published per subject': {
    row: 'Event flow per subject',
    series: ['events_published_total'],
    pattern: /by \(subject, outcome\)/,
  },
  'Events consumed per subject and outcome': {
    row: 'Event flow per subject',
    series: ['events_consumed_total'],
    pattern: /by \([^)]*subject, outcome\)/,
  },
  'Outbox backlog': { row: 'Outbox backlog', series: ['outbox_pending_records'] },
  'Outbox oldest pending age': { row: 'Outbox backlog', series: ['outbox_oldest_pending_age_seconds'] },
  'Consumer pending': { row: 'Consumer lag', series: ['jetstream_consumer_pending_messages'] },
  'Consumer ack pending': { row: 'Consumer lag', series: ['jetstream_consumer_ack_pending_messages'] },
  'Consumer redelivered': { row: 'Consumer lag', series: ['jetstream_consumer_redelivered_messages'] },
  'Expirations on time vs late': {
    row: 'Expirations',
    series: ['expiration_lateness_seconds_bucket', 'expiration_lateness_seconds_count'],
    pattern: /le=~"1/,
  },
  'Expiration lateness': { row: 'Expirations', series: ['expiration_lateness_seconds_bucket'], pattern: /by \(le\)/ },
  'Expiration queue': { row: 'Expirations', series: ['expiration_queue_jobs'], pattern: /by \(state\)/ },
  'Payment attempts by outcome': { row: 'Payments', series: ['payment_attempts_total'], pattern: /by \(outcome\)/ },
  Refunds: { row: 'Payments', series: ['payment_refunds_total'] },
  'Emails by kind and result': { row: 'Emails', series: ['emails_sent_total'], pattern: /by \(kind, result\)/ },
  'SMTP attempts by result': { row: 'Emails', series: ['email_send_attempts_total'], pattern: /by \(result\)/ },
  'Email backlog': { row: 'Emails', series: ['emails_pending', 'emails_oldest_pending_age_seconds'] },
};

describe('the Grafana dashboard (dashboards/ticketing.json)', () => {
  const dashboard = dashboardSchema.parse(JSON.parse(readFileSync(dashboardFile, 'utf8')));
  type Panel = z.infer<typeof panelSchema>;
  type QueryPanel = Exclude<Panel, { type: 'row' }>;
  const queryPanels = dashboard.panels.filter((panel): panel is QueryPanel => panel.type !== 'row');
  const expressions = queryPanels.flatMap((panel) =>
    panel.targets.map((target) => ({ panel: panel.title, refId: target.refId, expr: target.expr })),
  );
  /** Each panel's row: the last row above it in the panels' order. */
  const rowOf = new Map<string, string>();
  let row = '';
  for (const panel of dashboard.panels) {
    if (panel.type === 'row') row = panel.title;
    else rowOf.set(panel.title, row);
  }

  it('takes its Prometheus from the DS_PROMETHEUS variable, and offers a service filter', () => {
    const variables = dashboard.templating.list;
    expect(variables.find((variable) => variable.name === 'DS_PROMETHEUS')).toMatchObject({
      type: 'datasource',
      query: 'prometheus',
    });
    const service = variables.find((variable) => variable.name === 'service');
    expect(service).toMatchObject({ type: 'query', datasource: { uid: '${DS_PROMETHEUS}' } });
    const [, metric, label] = /^label_values\((\w+), *(\w+)\)$/.exec(String(service!.definition)) ?? [];
    expect(SERIES_NAMES.get(metric)?.labels).toContain(label);
  });

  it('has the panels of the issue, each in its row and showing its series', () => {
    for (const [title, required] of Object.entries(REQUIRED_PANELS)) {
      const panel = queryPanels.find((candidate) => candidate.title === title);
      expect({ title, found: panel !== undefined, row: rowOf.get(title) }).toEqual({
        title,
        found: true,
        row: required.row,
      });
      const text = panel!.targets.map((target) => target.expr).join('\n');
      const series = panel!.targets.flatMap((target) => readPromql(target.expr).selectors.map((s) => s.name));
      expect({ title, series }).toEqual({ title, series: expect.arrayContaining(required.series) });
      if (required.pattern) expect({ title, text }).toEqual({ title, text: expect.stringMatching(required.pattern) });
    }
  });

  it('has unique panel ids, and panels inside the 24-column grid that do not overlap', () => {
    const ids = dashboard.panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    const cells = new Set<string>();
    for (const { title, gridPos: position } of dashboard.panels) {
      expect({ title, within: position.x + position.w <= 24 }).toEqual({ title, within: true });
      for (let x = position.x; x < position.x + position.w; x++) {
        for (let y = position.y; y < position.y + position.h; y++) {
          expect({ title, cell: cells.has(`${x},${y}`) }).toEqual({ title, cell: false });
          cells.add(`${x},${y}`);
        }
      }
    }
  });

  it.each(expressions.map((expression) => [`${expression.panel} (${expression.refId})`, expression.expr]))(
    '%s: parses, on series and labels the services export',
    (_name, expr) => {
      expect(promqlProblems(expr)).toEqual([]);
    },
  );
});

describe('the PromQL check', () => {
  it.each([
    ['sum by (service) (rate(http_request_duration_seconds_count{status_code=~"5.."}[5m]))', null],
    ['max by (service, consumer) (jetstream_consumer_pending_messages) > 100', null],
    ['sum(rate(http_requests_total[5m]))', 'http_requests_total: not a series the services export'],
    ['sum(rate(http_request_duration_seconds[5m]))', 'http_request_duration_seconds: not a series the services export'],
    ['sum(rate(http_request_duration_seconds_count[5m])', "unclosed '('"],
    ['rate(events_consumed_total{outcome="deadlettered"}[5m])', expect.stringContaining('matches none of')],
    ['rate(events_consumed_total{outcome=~"dead.*"}[5m])', null],
    ['rate(events_consumed_total{route="/x"}[5m])', 'events_consumed_total: has no label route'],
    [
      'histogram_quantil(0.9, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))',
      'unknown function histogram_quantil',
    ],
    ['rate(events_consumed_total[5 minutes])', "'[5 minutes]' is not a range"],
    ['sum by (tenant) (rate(events_consumed_total[5m]))', 'grouping by tenant: no series has that label'],
    ['rate(events_consumed_total{subject="x}[5m])', expect.stringContaining('unterminated string')],
    ['rate(events_consumed_total{subject}[5m])', 'a matcher operator expected after subject'],
    ['sum(rate(outbox_pending_records[$__rate_interval])) or vector(0)', null],
  ])('%s', (expression, firstProblem) => {
    const problems = promqlProblems(expression);
    // A malformed expression may give more than one problem: the first is the one that matters.
    if (firstProblem === null) expect(problems).toEqual([]);
    else expect(problems[0]).toEqual(firstProblem);
  });
});

test('the metric list has the series of every metric, histograms as _bucket, _sum and _count', () => {
  expect(COMMON_LABELS).toEqual(['service']);
  expect(TARGET_LABELS).toContain('instance');
  for (const [metric, definition] of Object.entries(METRICS)) {
    const names =
      definition.type === 'histogram' ? ['_bucket', '_sum', '_count'].map((s) => `${metric}${s}`) : [metric];
    for (const name of names) expect(SERIES_NAMES.get(name)?.metric).toBe(metric);
    if (definition.type === 'counter') expect(metric).toMatch(/_total$/);
  }
});
