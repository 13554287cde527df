/* eslint-disable @typescript-eslint/no-explicit-any -- documents under test are schemaless */
/**
 * BSON comparison semantics: cross-type sort order, numeric comparison across
 * int/long/double/decimal, null vs missing, type bracketing of range operators,
 * and type preservation.
 */
import {
  Binary,
  BSONRegExp,
  Collection,
  Decimal128,
  Document,
  Double,
  Int32,
  Long,
  MaxKey,
  MinKey,
  ObjectId,
  Timestamp,
} from 'mongodb';
import { useFixture } from './target';

const fixture = useFixture('bsonorder');
const ids = (docs: Document[]) => docs.map((d) => d._id);

describe('cross-type order', () => {
  let c: Collection<any>;
  // _id → value (undefined = field missing)
  const values: Array<[number, unknown]> = [
    [1, undefined],
    [2, null],
    [3, new MinKey()],
    [4, []],
    [5, new Int32(1)],
    [6, Long.fromNumber(2)],
    [7, Decimal128.fromString('2.50')],
    [8, new Double(3.5)],
    [9, new Int32(10)],
    [10, [7, 'zzz']],
    [11, '10'],
    [12, 'B'],
    [13, 'a'],
    [14, { a: 1 }],
    [15, { a: 'x' }],
    [16, { b: 0 }],
    [17, {}],
    [18, new Binary(Buffer.from('ab'))],
    [19, new ObjectId('000000000000000000000001')],
    [20, new ObjectId('ffffffffffffffffffffffff')],
    [21, false],
    [22, true],
    [23, new Date(0)],
    [24, new Date('2024-01-01T00:00:00Z')],
    [25, new Timestamp({ t: 1, i: 1 })],
    [26, new BSONRegExp('abc', '')],
    [27, new MaxKey()],
  ];

  beforeAll(async () => {
    c = fixture.get().db.collection('mixed');
    // insert in a scrambled order so natural order does not give the answer away
    const docs = values.map(([id, v]) => (v === undefined ? { _id: id } : { _id: id, f: v }));
    const scrambled = docs
      .map((d, i) => ({ d, k: (i * 17) % docs.length }))
      .sort((x, y) => x.k - y.k)
      .map((x) => x.d);
    await c.insertMany(scrambled);
  });

  const q = async (filter: Document) => ids(await c.find(filter).sort({ _id: 1 }).toArray());

  it('ascending sort follows the BSON type order (arrays sort by their smallest element)', async () => {
    const order = ids(await c.find().sort({ f: 1, _id: 1 }).toArray());
    expect(order).toEqual([
      3, // MinKey
      4, // [] (an empty array is less than null / missing)
      1,
      2, // missing and null compare equal
      5,
      6,
      7,
      8, // 1, Long 2, Decimal 2.50, 3.5
      10, // [7, 'zzz'] sorts by 7
      9, // 10
      11,
      12,
      13, // '10' < 'B' < 'a'
      17,
      14,
      16,
      15, // {} < {a:1} < {b:0} < {a:'x'} (types first, then names, then values)
      18, // BinData
      19,
      20, // ObjectId
      21,
      22, // false < true
      23,
      24, // Dates
      25, // Timestamp
      26, // Regex
      27, // MaxKey
    ]);
  });

  it('descending sort reverses it (arrays sort by their largest element)', async () => {
    // the empty array is left out: only the ordering of the other values is asserted
    const order = ids(
      await c
        .find({ _id: { $ne: 4 } })
        .sort({ f: -1, _id: 1 })
        .toArray(),
    );
    expect(order).toEqual([
      27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 15, 16, 14, 17, 10, 13, 12, 11, 9, 8, 7, 6, 5, 1, 2, 3,
    ]);
  });

  it('{ f: null } matches null and missing only', async () => {
    expect(await q({ f: null })).toEqual([1, 2]);
    expect(await q({ f: { $exists: false } })).toEqual([1]);
    expect(await q({ f: { $ne: null } })).toEqual(values.map(([id]) => id).filter((id) => id !== 1 && id !== 2));
  });

  it('range operators do not cross type brackets', async () => {
    expect(await q({ f: { $gt: 1 } })).toEqual([6, 7, 8, 9, 10]);
    expect(await q({ f: { $lte: 2 } })).toEqual([5, 6]);
    expect(await q({ f: { $gt: 'A' } })).toEqual([10, 12, 13]);
    expect(await q({ f: { $lt: 'B' } })).toEqual([11]);
    expect(await q({ f: { $gte: false } })).toEqual([21, 22]);
    expect(await q({ f: { $lt: new Date('2000-01-01T00:00:00Z') } })).toEqual([23]);
    expect(await q({ f: { $gt: new ObjectId('000000000000000000000001') } })).toEqual([20]);
    expect(await q({ f: { $gt: {} } })).toEqual([14, 15, 16]);
  });

  it('$type matches array elements too', async () => {
    expect(await q({ f: { $type: 'string' } })).toEqual([10, 11, 12, 13]);
    expect(await q({ f: { $type: 'number' } })).toEqual([5, 6, 7, 8, 9, 10]);
    expect(await q({ f: { $type: 'array' } })).toEqual([4, 10]);
    expect(await q({ f: { $type: 'object' } })).toEqual([14, 15, 16, 17]);
    expect(await q({ f: { $type: 'objectId' } })).toEqual([19, 20]);
    expect(await q({ f: { $type: 'bool' } })).toEqual([21, 22]);
    expect(await q({ f: { $type: 'date' } })).toEqual([23, 24]);
    expect(await q({ f: { $type: 'minKey' } })).toEqual([3]);
    expect(await q({ f: { $type: 'maxKey' } })).toEqual([27]);
    expect(await q({ f: { $type: 'null' } })).toEqual([2]);
  });

  it('values round-trip with their BSON types', async () => {
    const docs = await c.find().toArray();
    const byId = new Map(docs.filter((d) => 'f' in d).map((d) => [d._id, d.f]));
    expect(docs).toHaveLength(values.length);
    expect(byId.get(7)).toBeInstanceOf(Decimal128);
    expect(byId.get(7).toString()).toBe('2.50');
    expect(byId.get(18)).toBeInstanceOf(Binary);
    expect(byId.get(18).toString('utf8')).toBe('ab');
    expect(byId.get(19)).toBeInstanceOf(ObjectId);
    expect(byId.get(24)).toEqual(new Date('2024-01-01T00:00:00Z'));
    expect(byId.get(25)).toBeInstanceOf(Timestamp);
    expect(byId.get(26)).toBeInstanceOf(RegExp);
    expect(byId.get(3)).toBeInstanceOf(MinKey);
    expect(byId.get(27)).toBeInstanceOf(MaxKey);
    expect(byId.has(1)).toBe(false);
    expect(byId.get(2)).toBeNull();
  });
});

describe('numbers compare by value across int / long / double / decimal', () => {
  let c: Collection<any>;
  beforeAll(async () => {
    c = fixture.get().db.collection('numbers');
    await c.insertMany([
      { _id: 1, v: new Int32(2) },
      { _id: 2, v: Long.fromNumber(2) },
      { _id: 3, v: new Double(2) },
      { _id: 4, v: Decimal128.fromString('2.00') },
      { _id: 5, v: Decimal128.fromString('2.50') },
      { _id: 6, v: new Double(2.5) },
      { _id: 7, v: new Int32(3) },
      { _id: 8, v: '2' },
      { _id: 9, v: Long.fromString('9007199254740993') },
      { _id: 10, v: new Double(9007199254740992) },
    ]);
  });
  const q = async (filter: Document) => ids(await c.find(filter).sort({ _id: 1 }).toArray());

  it('equality across numeric types', async () => {
    expect(await q({ v: 2 })).toEqual([1, 2, 3, 4]);
    expect(await q({ v: Long.fromNumber(2) })).toEqual([1, 2, 3, 4]);
    expect(await q({ v: Decimal128.fromString('2') })).toEqual([1, 2, 3, 4]);
    expect(await q({ v: 2.5 })).toEqual([5, 6]);
    expect(await q({ v: Decimal128.fromString('2.5') })).toEqual([5, 6]);
    expect(await q({ v: { $in: [Decimal128.fromString('3.0')] } })).toEqual([7]);
    expect(await q({ v: '2' })).toEqual([8]);
  });

  it('long and double compare exactly (no rounding through double)', async () => {
    expect(await q({ v: Long.fromString('9007199254740993') })).toEqual([9]);
    expect(await q({ v: new Double(9007199254740992) })).toEqual([10]);
    expect(await q({ v: { $gt: new Double(9007199254740992) } })).toEqual([9]);
  });

  it('ranges across numeric types', async () => {
    expect(await q({ v: { $gt: 2, $lt: 3 } })).toEqual([5, 6]);
    expect(await q({ v: { $gte: Decimal128.fromString('2.5'), $lte: Long.fromNumber(3) } })).toEqual([5, 6, 7]);
  });

  it('Decimal128 2.50 sorts between 2 and 3; strings after numbers', async () => {
    const order = ids(
      await c
        .find({ _id: { $lte: 8 } })
        .sort({ v: 1, _id: 1 })
        .toArray(),
    );
    expect(order).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('stored numeric types are preserved', async () => {
    expect(await q({ v: { $type: 'int' } })).toEqual([1, 7]);
    expect(await q({ v: { $type: 'long' } })).toEqual([2, 9]);
    expect(await q({ v: { $type: 'double' } })).toEqual([3, 6, 10]);
    expect(await q({ v: { $type: 'decimal' } })).toEqual([4, 5]);
  });

  it('$inc promotes int32 overflow to long and int + double to double', async () => {
    const u = fixture.get().db.collection<any>('incs');
    await u.insertOne({ _id: 1, i: new Int32(2147483647), d: new Int32(1) });
    await u.updateOne({ _id: 1 }, { $inc: { i: new Int32(1), d: new Double(0.5) } });
    const doc = await u.findOne({ _id: 1 });
    expect(doc!.i).toBe(2147483648);
    expect(doc!.d).toBe(1.5);
    expect(await u.countDocuments({ i: { $type: 'long' } })).toBe(1);
    expect(await u.countDocuments({ d: { $type: 'double' } })).toBe(1);
  });
});
