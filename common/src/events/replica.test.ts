import mongoose from 'mongoose';
import { startTestMongo, type TestMongo } from '../testing/mongo';
import { EventTooEarlyError } from './errors';
import { applyReplicaUpdate } from './replica';

let mongo: TestMongo;
const TicketCopy = mongoose.model(
  'TicketCopy',
  new mongoose.Schema(
    { title: String, price: Number, version: { type: Number, required: true } },
    { versionKey: false },
  ),
);
const id = new mongoose.Types.ObjectId().toHexString();

beforeAll(async () => {
  mongo = await startTestMongo();
  await mongoose.connect(mongo.uri);
});

afterAll(async () => {
  await mongoose.disconnect();
  await mongo.stop();
});

beforeEach(async () => {
  await TicketCopy.deleteMany({});
  await TicketCopy.create({ _id: id, title: 'v0', price: 10, version: 0 });
});

it('applies exactly the next version', async () => {
  expect(await applyReplicaUpdate(TicketCopy, id, 1, { title: 'v1' })).toBe('applied');
  expect(await TicketCopy.findById(id).lean()).toMatchObject({ title: 'v1', version: 1 });
});

it('acks a redelivered or older version as a duplicate and changes nothing', async () => {
  await applyReplicaUpdate(TicketCopy, id, 1, { title: 'v1' });
  expect(await applyReplicaUpdate(TicketCopy, id, 1, { title: 'v1 again' })).toBe('duplicate');
  expect(await applyReplicaUpdate(TicketCopy, id, 0, { title: 'v0 again' })).toBe('duplicate');
  expect(await TicketCopy.findById(id).lean()).toMatchObject({ title: 'v1', version: 1 });
});

it('leaves a version from the future for later, then converges when the gap is filled', async () => {
  await expect(applyReplicaUpdate(TicketCopy, id, 2, { title: 'v2' })).rejects.toBeInstanceOf(EventTooEarlyError);
  expect(await TicketCopy.findById(id).lean()).toMatchObject({ title: 'v0', version: 0 });
  await applyReplicaUpdate(TicketCopy, id, 1, { title: 'v1' });
  expect(await applyReplicaUpdate(TicketCopy, id, 2, { title: 'v2' })).toBe('applied');
  expect(await TicketCopy.findById(id).lean()).toMatchObject({ title: 'v2', version: 2 });
});

it('treats an update for a record not seen yet as too early', async () => {
  const unknown = new mongoose.Types.ObjectId().toHexString();
  await expect(applyReplicaUpdate(TicketCopy, unknown, 1, { title: 'x' })).rejects.toBeInstanceOf(EventTooEarlyError);
});
