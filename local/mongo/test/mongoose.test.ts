/**
 * Mongoose features the services rely on: optimistic concurrency with a custom version key,
 * toJSON transforms, CastError on malformed ids, syncIndexes, populate, validation.
 */
import mongoose from 'mongoose';
import { errorOf, useFixture } from './target';

const fixture = useFixture('mongoose');

interface Ticket {
  title: string;
  price: number;
  userId: string;
  orderId?: string;
  version: number;
}

function ticketSchema() {
  return new mongoose.Schema<Ticket>(
    {
      title: { type: String, required: true },
      price: { type: Number, required: true, min: 0 },
      userId: { type: String, required: true },
      orderId: { type: String },
    },
    {
      optimisticConcurrency: true,
      versionKey: 'version',
      toJSON: {
        transform(_doc, ret: Record<string, unknown>) {
          ret.id = String(ret._id);
          delete ret._id;
          return ret;
        },
      },
    },
  );
}

let Ticket: mongoose.Model<Ticket>;
beforeAll(() => {
  Ticket = fixture.get().conn.model<Ticket>('MgTicket', ticketSchema());
});

describe('optimistic concurrency (versionKey: version)', () => {
  it('version starts at 0 and increments by exactly 1 per save', async () => {
    const t = await Ticket.create({ title: 'a', price: 10, userId: 'u' });
    expect(t.version).toBe(0);
    t.price = 11;
    await t.save();
    expect(t.version).toBe(1);
    t.title = 'b';
    await t.save();
    expect(t.version).toBe(2);
    const stored = await Ticket.collection.findOne({ _id: t._id });
    expect(stored).toMatchObject({ title: 'b', price: 11, version: 2 });
    expect(stored).not.toHaveProperty('__v');
  });

  it('saving a stale copy fails with VersionError and changes nothing', async () => {
    const created = await Ticket.create({ title: 'c', price: 10, userId: 'u' });
    const first = await Ticket.findById(created._id);
    const second = await Ticket.findById(created._id);
    first!.price = 20;
    await first!.save();
    second!.price = 30;
    const err = await errorOf(() => second!.save());
    expect(err).toBeInstanceOf(mongoose.Error.VersionError);
    const stored = await Ticket.findById(created._id).lean();
    expect(stored).toMatchObject({ price: 20, version: 1 });
  });

  it('event-style "apply only the next version" update via findOne({ _id, version: v - 1 })', async () => {
    const t = await Ticket.create({ title: 'e', price: 1, userId: 'u' });
    // a replica applying version 1 finds the document at version 0
    expect(await Ticket.findOne({ _id: t._id, version: 0 })).not.toBeNull();
    // version 2 arriving early finds nothing
    expect(await Ticket.findOne({ _id: t._id, version: 1 })).toBeNull();
  });

  it('a deleted document cannot be saved (and is not re-created)', async () => {
    const t = await Ticket.create({ title: 'gone', price: 1, userId: 'u' });
    await Ticket.deleteOne({ _id: t._id });
    t.price = 2;
    const err = await errorOf(() => t.save());
    // with optimisticConcurrency mongoose reports a missing document as a VersionError
    expect(err instanceof mongoose.Error.VersionError || err instanceof mongoose.Error.DocumentNotFoundError).toBe(
      true,
    );
    expect(await Ticket.countDocuments({ _id: t._id })).toBe(0);
  });
});

describe('serialisation, casting, validation', () => {
  it('toJSON transform exposes id and hides _id', async () => {
    const t = await Ticket.create({ title: 'json', price: 5, userId: 'u1' });
    const json = (await Ticket.findById(t._id))!.toJSON() as unknown as Record<string, unknown>;
    expect(json.id).toBe(t._id.toString());
    expect(json).not.toHaveProperty('_id');
    expect(json).toMatchObject({ title: 'json', price: 5, userId: 'u1', version: 0 });
    expect(JSON.parse(JSON.stringify(t))).toMatchObject({ id: t._id.toString(), title: 'json' });
  });

  it('findById with a malformed id is a CastError', async () => {
    const err = await errorOf(() => Ticket.findById('not-an-object-id').exec());
    expect(err).toBeInstanceOf(mongoose.Error.CastError);
    // a well-formed id that does not exist is just null
    expect(await Ticket.findById(new mongoose.Types.ObjectId())).toBeNull();
  });

  it('validation errors never reach the database', async () => {
    const err = await errorOf(() => Ticket.create({ title: 'neg', price: -1, userId: 'u' }));
    expect(err).toBeInstanceOf(mongoose.Error.ValidationError);
    expect(await Ticket.countDocuments({ title: 'neg' })).toBe(0);
  });

  it('queries cast strings to ObjectIds and numbers', async () => {
    const t = await Ticket.create({ title: 'cast', price: 7, userId: 'u' });
    const found = await Ticket.findOne({ _id: t._id.toString(), price: '7' as unknown as number });
    expect(found?.title).toBe('cast');
  });
});

describe('indexes through mongoose', () => {
  it('syncIndexes creates schema indexes and drops ones not in the schema', async () => {
    const { conn } = fixture.get();
    const schema = new mongoose.Schema({ email: { type: String, unique: true }, name: String });
    schema.index({ name: 1, email: -1 });
    const User = conn.model('MgSyncUser', schema);
    await User.createCollection();
    await User.collection.createIndex({ legacy: 1 }, { name: 'legacy_1' });

    const dropped = await User.syncIndexes();
    expect(dropped).toEqual(['legacy_1']);
    const indexes = await User.collection.listIndexes().toArray();
    const names = indexes.map((i) => i.name).sort();
    expect(names).toEqual(['_id_', 'email_1', 'name_1_email_-1']);
    expect(indexes.find((i) => i.name === 'email_1')!.unique).toBe(true);

    // idempotent
    expect(await User.syncIndexes()).toEqual([]);

    // and the unique index is enforced
    await User.create({ email: 'e@x.io' });
    const err = await errorOf(() => User.create({ email: 'e@x.io' }));
    expect(err.code).toBe(11000);
  });

  it('Model.init / ensureIndexes with autoIndex builds indexes', async () => {
    const { conn } = fixture.get();
    const schema = new mongoose.Schema({ code: { type: String, index: true } }, { autoIndex: true });
    const M = conn.model('MgAutoIdx', schema);
    await M.createCollection();
    await M.ensureIndexes();
    const names = (await M.collection.listIndexes().toArray()).map((i) => i.name).sort();
    expect(names).toEqual(['_id_', 'code_1']);
  });
});

describe('populate and references', () => {
  it('populates an order with its ticket (ObjectId $in under the hood)', async () => {
    const { conn } = fixture.get();
    const Tk = conn.model('MgPopTicket', new mongoose.Schema({ title: String, price: Number }));
    const Order = conn.model(
      'MgPopOrder',
      new mongoose.Schema({ status: String, ticket: { type: mongoose.Schema.Types.ObjectId, ref: 'MgPopTicket' } }),
    );
    const [a, b] = await Tk.create([
      { title: 'A', price: 1 },
      { title: 'B', price: 2 },
    ]);
    await Order.create([
      { status: 'created', ticket: a._id },
      { status: 'created', ticket: b._id },
      { status: 'cancelled', ticket: a._id },
    ]);
    const orders = await Order.find({ status: 'created' }).populate('ticket').sort({ _id: 1 });
    expect(orders.map((o) => (o.ticket as unknown as { title: string }).title)).toEqual(['A', 'B']);
    const lean = await Order.find({ ticket: a._id }).lean();
    expect(lean).toHaveLength(2);
  });

  it('timestamps are set and updatedAt moves on update', async () => {
    const { conn } = fixture.get();
    const M = conn.model('MgStamped', new mongoose.Schema({ n: Number }, { timestamps: true }));
    const doc = await M.create({ n: 1 });
    const created = (doc as unknown as { createdAt: Date }).createdAt;
    expect(created).toBeInstanceOf(Date);
    await new Promise((r) => setTimeout(r, 5));
    await M.updateOne({ _id: doc._id }, { $inc: { n: 1 } });
    const back = (await M.findById(doc._id).lean()) as unknown as { n: number; createdAt: Date; updatedAt: Date };
    expect(back.n).toBe(2);
    expect(back.createdAt.getTime()).toBe(created.getTime());
    expect(back.updatedAt.getTime()).toBeGreaterThan(created.getTime());
  });
});
