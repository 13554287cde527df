/**
 * Engine benchmark through mongoose: inserts/s, findById and find-by-indexed-field latency at 1k
 * and 100k documents, the tickets service's list page (20 of 10,000, newest first), and the
 * transaction commit rate of 50 concurrent clients on a journaled engine. The engine runs in its
 * own process (as in the local stack), so client and server do not share an event loop. Run with
 * `npm run bench`.
 */
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';

const SIZES = [1_000, 100_000];
const LOOKUPS = 5_000;
const FIND_BY_ID_P99_FLOOR_MS = 2;
const FLATNESS_FLOOR = 2;
const PAGE_TICKETS = 10_000;
const PAGE_SIZE = 20;
const PAGE_QUERIES = 2_000;
const COMMIT_CLIENTS = 50;
const COMMITS_PER_CLIENT = 40;

interface Latency {
  p50: number;
  p99: number;
  perSecond: number;
}

function startEngine(dataDir?: string): Promise<{ uri: string; child: ChildProcess }> {
  const cli = path.join(__dirname, '../src/cli.ts');
  const args = ['-r', '@swc-node/register', cli, '--port', '0', ...(dataDir ? ['--data-dir', dataDir] : [])];
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = output.match(/listening on (\S+)/);
      if (match) resolve({ uri: match[1], child });
    });
    child.once('exit', (code) => reject(new Error(`engine exited with ${code}`)));
  });
}

async function measure(operation: (i: number) => Promise<unknown>, count: number): Promise<Latency> {
  const samples: number[] = [];
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    const t0 = process.hrtime.bigint();
    await operation(i);
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const total = Number(process.hrtime.bigint() - started) / 1e9;
  samples.sort((a, b) => a - b);
  return { p50: samples[Math.floor(count * 0.5)], p99: samples[Math.floor(count * 0.99)], perSecond: count / total };
}

const fmt = (n: number, digits = 3) => n.toFixed(digits);

/**
 * GET /api/tickets as the tickets service queries: tickets for sale, newest first, a page of 20
 * (+1 to know there is a next one), the first page and pages after a cursor.
 */
async function measureTicketPages(connection: mongoose.Connection): Promise<void> {
  const schema = new mongoose.Schema({ title: String, price: Number, userId: String, status: String });
  schema.index({ status: 1, _id: -1 });
  schema.index({ userId: 1, _id: -1 });
  const Listed = connection.model('ListedTicket', schema);
  await Listed.init();
  const ids: mongoose.Types.ObjectId[] = [];
  for (let inserted = 0; inserted < PAGE_TICKETS; inserted += 1_000) {
    const docs = Array.from({ length: 1_000 }, (_, k) => ({
      title: `Concert ${inserted + k}`,
      price: 10 + ((inserted + k) % 90),
      userId: `user-${(inserted + k) % 97}`,
      status: (inserted + k) % 10 === 0 ? 'sold' : 'available',
    }));
    const created = await Listed.insertMany(docs, { lean: true });
    ids.push(...created.map((doc) => doc._id as mongoose.Types.ObjectId));
  }
  const page = (filter: mongoose.QueryFilter<unknown>) =>
    Listed.find(filter)
      .sort({ _id: -1 })
      .limit(PAGE_SIZE + 1)
      .lean();
  const first = await measure(() => page({ status: 'available' }), PAGE_QUERIES);
  const after = await measure(
    (i) => page({ status: 'available', _id: { $lt: ids[(i * 7919) % ids.length] } }),
    PAGE_QUERIES,
  );
  const mine = await measure((i) => page({ userId: `user-${i % 97}` }), PAGE_QUERIES);
  const line = (name: string, latency: Latency) =>
    console.log(`${name}: p50 ${fmt(latency.p50)} ms, p99 ${fmt(latency.p99)} ms, ${fmt(latency.perSecond, 0)}/s`);
  line(`tickets page @${PAGE_TICKETS} first    `, first);
  line(`tickets page @${PAGE_TICKETS} cursor   `, after);
  line(`tickets page @${PAGE_TICKETS} by seller`, mine);
}

/** Transactions (an insert and an update each) from 50 concurrent clients on a journaled engine. */
async function measureCommits(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'embedded-mongo-bench-'));
  const { uri, child } = await startEngine(dataDir);
  const connection = await mongoose.createConnection(uri, { dbName: 'bench', maxPoolSize: COMMIT_CLIENTS }).asPromise();
  try {
    const Order = connection.model('Order', new mongoose.Schema({ client: Number, n: Number }));
    const Counter = connection.model('Counter', new mongoose.Schema({ _id: Number, n: Number }));
    await Order.createCollection();
    await Counter.insertMany(Array.from({ length: COMMIT_CLIENTS }, (_, client) => ({ _id: client, n: 0 })));
    const samples: number[] = [];
    const started = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: COMMIT_CLIENTS }, async (_, client) => {
        for (let n = 0; n < COMMITS_PER_CLIENT; n++) {
          const t0 = process.hrtime.bigint();
          await connection.transaction(async (session) => {
            await Order.create([{ client, n }], { session });
            await Counter.updateOne({ _id: client }, { $inc: { n: 1 } }, { session });
          });
          samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
        }
      }),
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    samples.sort((a, b) => a - b);
    const commits = COMMIT_CLIENTS * COMMITS_PER_CLIENT;
    console.log(
      `transactions, ${COMMIT_CLIENTS} clients, journaled: ${fmt(commits / seconds, 0)} commits/s ` +
        `(p50 ${fmt(samples[Math.floor(commits * 0.5)])} ms, p99 ${fmt(samples[Math.floor(commits * 0.99)])} ms)`,
    );
  } finally {
    await connection.close();
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Inserts, findById and find by a unique field at 1k and 100k documents; whether the floors hold. */
async function measureLookups(connection: mongoose.Connection): Promise<boolean> {
  const Ticket = connection.model(
    'Ticket',
    new mongoose.Schema({ title: String, price: Number, userId: String, code: { type: String, unique: true } }),
  );
  await Ticket.init();

  const single = await measure(
    (i) => Ticket.create({ title: `single ${i}`, price: 10, userId: 'u', code: `s-${i}` }),
    2_000,
  );
  console.log(`Model.create:            ${fmt(single.perSecond, 0)} inserts/s (p50 ${fmt(single.p50)} ms)`);
  await Ticket.deleteMany({});

  const results = new Map<number, { byId: Latency; byField: Latency }>();
  let inserted = 0;
  const ids: mongoose.Types.ObjectId[] = [];
  for (const size of SIZES) {
    const t0 = process.hrtime.bigint();
    const batch = 1_000;
    for (; inserted < size; inserted += batch) {
      const docs = Array.from({ length: batch }, (_, k) => ({
        title: `ticket ${inserted + k}`,
        price: (inserted + k) % 500,
        userId: `user-${(inserted + k) % 97}`,
        code: `c-${inserted + k}`,
      }));
      const created = await Ticket.insertMany(docs, { lean: true });
      ids.push(...created.map((doc) => doc._id as mongoose.Types.ObjectId));
    }
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    console.log(`insertMany to ${size} docs:  ${fmt((size - (results.size ? SIZES[0] : 0)) / seconds, 0)} inserts/s`);
    const byId = await measure((i) => Ticket.findById(ids[(i * 7919) % ids.length]).lean(), LOOKUPS);
    const byField = await measure((i) => Ticket.findOne({ code: `c-${(i * 7919) % size}` }).lean(), LOOKUPS);
    results.set(size, { byId, byField });
    console.log(
      `  findById       @${size}: p50 ${fmt(byId.p50)} ms, p99 ${fmt(byId.p99)} ms, ${fmt(byId.perSecond, 0)}/s`,
    );
    console.log(
      `  find by index  @${size}: p50 ${fmt(byField.p50)} ms, p99 ${fmt(byField.p99)} ms, ${fmt(byField.perSecond, 0)}/s`,
    );
  }

  const small = results.get(SIZES[0])!;
  const large = results.get(SIZES[1])!;
  const idRatio = large.byId.p50 / small.byId.p50;
  const fieldRatio = large.byField.p50 / small.byField.p50;
  console.log(`lookup p50 ratio 100k/1k: findById ${fmt(idRatio, 2)}x, indexed field ${fmt(fieldRatio, 2)}x`);
  const floors = [
    [`findById p99 at 100k < ${FIND_BY_ID_P99_FLOOR_MS} ms`, large.byId.p99 < FIND_BY_ID_P99_FLOOR_MS],
    [
      `lookup time flat within ${FLATNESS_FLOOR}x from 1k to 100k`,
      idRatio < FLATNESS_FLOOR && fieldRatio < FLATNESS_FLOOR,
    ],
  ] as const;
  for (const [name, ok] of floors) console.log(`${ok ? 'PASS' : 'FAIL'} ${name}`);
  return floors.every(([, ok]) => ok);
}

/** Runs the sections named on the command line (lookups, pages, commits), all without arguments. */
async function main(): Promise<void> {
  const named = process.argv.slice(2);
  const wanted = (section: string) => named.length === 0 || named.includes(section);
  let floorsHold = true;
  if (wanted('lookups') || wanted('pages')) {
    const { uri, child } = await startEngine();
    const connection = await mongoose.createConnection(uri, { dbName: 'bench' }).asPromise();
    console.log('Embedded MongoDB engine through mongoose 9 (engine in its own process)');
    if (wanted('lookups')) floorsHold = await measureLookups(connection);
    if (wanted('pages')) await measureTicketPages(connection);
    await connection.close();
    child.kill('SIGTERM');
  }
  if (wanted('commits')) await measureCommits();
  process.exitCode = floorsHold ? 0 : 1;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
