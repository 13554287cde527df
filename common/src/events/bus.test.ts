// The event streams' replica count (NATS_STREAM_REPLICAS) against a real nats-server. A single
// server, as tests have, can hold only one replica: it shows the count reaching the stream config
// and the refusal of more being said in the operator's terms.
import { connectBus, DEAD_LETTER_STREAM, EVENT_STREAM, type Bus } from './bus';
import { createLogger } from '../kit/logger';
import { startNatsServer, type TestNatsServer } from '../testing/nats-server';

let nats: TestNatsServer;
const buses: Bus[] = [];

async function busWith(streamReplicas: number | undefined): Promise<Bus> {
  const bus = await connectBus({ servers: nats.url, name: 'bus-test', logger: createLogger('test'), streamReplicas });
  buses.push(bus);
  return bus;
}

async function streamReplicas(bus: Bus): Promise<number[]> {
  const jsm = await bus.jetstreamManager();
  const infos = await Promise.all([EVENT_STREAM, DEAD_LETTER_STREAM].map((stream) => jsm.streams.info(stream)));
  return infos.map((info) => info.config.num_replicas);
}

beforeEach(async () => {
  nats = await startNatsServer();
});

afterEach(async () => {
  await Promise.all(buses.splice(0).map((bus) => bus.close()));
  await nats.stop();
});

it('creates the event and dead-letter streams with one replica unless told otherwise', async () => {
  const bus = await busWith(undefined);
  await bus.ensureStream();

  expect(await streamReplicas(bus)).toEqual([1, 1]);
});

it('creates them with the configured replicas, and keeps them so when ensured again', async () => {
  const bus = await busWith(1);
  await bus.ensureStream();
  await bus.ensureStream();

  expect(await streamReplicas(bus)).toEqual([1, 1]);
});

it('refuses more replicas than the NATS deployment has servers, naming the setting', async () => {
  const bus = await busWith(3);

  await expect(bus.ensureStream()).rejects.toThrow(
    'stream TICKETING cannot have 3 replicas (NATS_STREAM_REPLICAS): replicas > 1 not supported in non-clustered mode; ' +
      'it needs a NATS cluster of at least 3 JetStream servers',
  );
});

it('refuses to change an existing stream to more replicas than there are servers', async () => {
  await (await busWith(1)).ensureStream();

  // A single server takes the update, yet keeps one copy: said as clearly as a refusal.
  await expect((await busWith(3)).ensureStream()).rejects.toThrow(
    'stream TICKETING cannot have 3 replicas (NATS_STREAM_REPLICAS): the NATS server is not clustered; ' +
      'it needs a NATS cluster of at least 3 JetStream servers',
  );
});
