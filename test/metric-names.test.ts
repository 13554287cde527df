// The metric list the dashboard and the alert rules are checked against (test/metric-names.ts) is
// what the services really export: the whole system started from its sources, a ticket sold and an
// order left to expire, then each service's /metrics scraped on its own port.
import { parseMetrics } from '@ticketing/common/testing';
import { SERVICE_NAMES, type ServiceName } from '../local/stack/src/services';
import { startStack, type Stack } from '../local/stack/src';
import { eventually, HttpUser, makeTempDir, removeDir } from '../local/stack/test/helpers';
import { COMMON_LABELS, HISTOGRAM_SUFFIXES, METRICS, type MetricType } from './metric-names';

// Five service processes compiled from their sources on a loaded two-core machine.
const STACK_TIMEOUT_MS = 180_000;
const EXPIRATION_WINDOW_SECONDS = 3;

let dataDir: string;
let stack: Stack | undefined;

beforeAll(async () => {
  dataDir = await makeTempDir();
  stack = await startStack({
    dataDir,
    runMode: 'source',
    expirationWindowSeconds: EXPIRATION_WINDOW_SECONDS,
    logLevel: 'warn',
  });
}, STACK_TIMEOUT_MS);

afterAll(async () => {
  await stack?.stop();
  await removeDir(dataDir);
}, STACK_TIMEOUT_MS);

interface Scrape {
  /** Each metric's type, from its `# TYPE` line. */
  types: Map<string, string>;
  samples: ReturnType<typeof parseMetrics>;
}

async function scrape(port: number): Promise<Scrape> {
  const response = await fetch(`http://localhost:${port}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
  const text = await response.text();
  const types = new Map(
    [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map(([, name, type]) => [name, type] as [string, string]),
  );
  return { types, samples: parseMetrics(text) };
}

/** The series a metric shows once it has been used: a histogram by its buckets. */
const seriesOf = (metric: string, type: MetricType) => (type === 'histogram' ? `${metric}_bucket` : metric);

/** Each listed metric the scrapes lack (in a service that must export it, or in all), or show with another type. */
function missingFrom(scrapes: { service: ServiceName; scrape: Scrape }[]): string[] {
  const exports = (metric: string, type: MetricType, { types, samples }: Scrape) =>
    types.get(metric) === type && samples.some((sample) => sample.name === seriesOf(metric, type));
  return Object.entries(METRICS).flatMap(([metric, { type, services }]) => {
    if (services) {
      return scrapes
        .filter(({ service, scrape: result }) => services.includes(service) && !exports(metric, type, result))
        .map(({ service }) => `${metric} (${service})`);
    }
    return scrapes.some(({ scrape: result }) => exports(metric, type, result)) ? [] : [`${metric} (any service)`];
  });
}

test(
  'every service exports the listed metrics, with the listed types, labels and label values',
  async () => {
    const seller = new HttpUser(stack!.url, 'seller@metrics.test');
    const buyer = new HttpUser(stack!.url, 'buyer@metrics.test');
    for (const user of [seller, buyer]) {
      expect(
        (await user.request('POST', '/api/users/signup', { email: user.email, password: 'correct horse' })).status,
      ).toBe(201);
    }
    const list = async (title: string) => {
      const response = await seller.request<{ id: string }>('POST', '/api/tickets', { title, price: 20 });
      expect(response.status).toBe(201);
      return response.body.id;
    };
    const [sold, expiring] = [await list('Concert'), await list('Opera')];
    const order = (ticketId: string) =>
      eventually(`an order for ticket ${ticketId}`, async () => {
        const response = await buyer.request<{ id: string }>('POST', '/api/orders', { ticketId });
        return response.status === 201 ? response.body.id : undefined;
      });
    const paid = await order(sold);
    const left = await order(expiring);
    // Paid with the fake Stripe API's card, once payments has learnt of the order.
    await eventually(`order ${paid} paid`, async () => {
      const response = await buyer.request('POST', '/api/payments', { orderId: paid, paymentMethod: 'pm_card_visa' });
      return response.status === 201 ? true : undefined;
    });
    await eventually(`order ${left} expired`, async () => {
      const response = await buyer.request<{ status: string }>('GET', `/api/orders/${left}`);
      return response.body.status === 'cancelled' ? true : undefined;
    });

    // Every listed metric in the services that export it, once the events have been handled.
    const instances = SERVICE_NAMES.map((service) => {
      const instance = stack!.instances.find((candidate) => candidate.service === service);
      return { service, port: instance!.port };
    });
    const scrapeAll = () =>
      Promise.all(instances.map(async ({ service, port }) => ({ service, scrape: await scrape(port) })));
    const scrapes = await eventually(
      'every listed metric in the scrapes',
      async () => {
        const all = await scrapeAll();
        return missingFrom(all).length === 0 ? all : undefined;
      },
      30_000,
    ).catch(async (error: Error) => {
      // Say which ones are missing rather than only that some are.
      throw new Error(`${error.message}: ${missingFrom(await scrapeAll()).join(', ')}`);
    });

    for (const { service, scrape: result } of scrapes) {
      for (const sample of result.samples) {
        const suffix = HISTOGRAM_SUFFIXES.find((candidate) => sample.name.endsWith(candidate));
        const metric = METRICS[sample.name] ? sample.name : suffix && sample.name.slice(0, -suffix.length);
        const definition = metric ? METRICS[metric] : undefined;
        if (!definition) continue;
        // Every series carries service, naming the service it came from; the others are the listed ones.
        expect(sample.labels).toMatchObject({ service });
        const allowed = [...COMMON_LABELS, ...definition.labels, ...(suffix === '_bucket' ? ['le'] : [])];
        expect({ [sample.name]: Object.keys(sample.labels).filter((label) => !allowed.includes(label)) }).toEqual({
          [sample.name]: [],
        });
        for (const [label, values] of Object.entries(definition.values ?? {})) {
          expect({ [`${sample.name} ${label}`]: values.includes(sample.labels[label]) }).toEqual({
            [`${sample.name} ${label}`]: true,
          });
        }
      }
    }
  },
  STACK_TIMEOUT_MS,
);
