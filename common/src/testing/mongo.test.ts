import mongoose from 'mongoose';
import { startTestMongo, TestMongo, uriWithDatabase } from './mongo';

describe('uriWithDatabase', () => {
  it.each([
    ['mongodb://localhost:27017', 'mongodb://localhost:27017/t1'],
    ['mongodb://localhost:27017/', 'mongodb://localhost:27017/t1'],
    ['mongodb://localhost:27017/tickets', 'mongodb://localhost:27017/t1'],
    ['mongodb://a:1,b:2/tickets?replicaSet=rs0', 'mongodb://a:1,b:2/t1?replicaSet=rs0'],
    ['mongodb://u:p@host/tickets', 'mongodb://u:p@host/t1?authSource=tickets'],
    ['mongodb://u:p@host/?tls=true', 'mongodb://u:p@host/t1?tls=true&authSource=admin'],
    ['mongodb+srv://u:p@c.example.net/x?authSource=admin', 'mongodb+srv://u:p@c.example.net/t1?authSource=admin'],
  ])('points %s at the given database', (uri, expected) => {
    expect(uriWithDatabase(uri, 't1')).toBe(expected);
  });

  it('refuses something that is not a MongoDB URI without echoing it', () => {
    const attempt = () => uriWithDatabase('postgres://u:secret@h/db', 't1');

    expect(attempt).toThrow(/^MONGO_URI is not a mongodb/);
    expect(attempt).not.toThrow(/secret/);
  });
});

async function databaseNames(): Promise<string[]> {
  const db = mongoose.connection.db;
  if (!db) throw new Error('mongoose is not connected');
  const { databases } = await db.admin().listDatabases();
  return databases.map((database) => database.name);
}

describe('startTestMongo', () => {
  const savedMongoUri = process.env.MONGO_URI;
  const savedMemoryServer = process.env.MONGO_MEMORY_SERVER;
  let engine: TestMongo;

  // Whichever server the environment selects (by default the embedded engine).
  beforeAll(async () => {
    engine = await startTestMongo();
  });

  afterEach(async () => {
    await mongoose.disconnect();
    if (savedMongoUri === undefined) delete process.env.MONGO_URI;
    else process.env.MONGO_URI = savedMongoUri;
    if (savedMemoryServer === undefined) delete process.env.MONGO_MEMORY_SERVER;
    else process.env.MONGO_MEMORY_SERVER = savedMemoryServer;
  });

  afterAll(async () => {
    await engine.stop();
  });

  it('starts a server mongoose can write to and read from', async () => {
    await mongoose.connect(engine.uri);
    await mongoose.connection.collection('things').insertOne({ name: 'ticket' });

    expect(await mongoose.connection.collection('things').findOne({}, { projection: { _id: 0 } })).toEqual({
      name: 'ticket',
    });
  });

  it('gives each caller of a MONGO_URI server its own database, dropped on stop', async () => {
    process.env.MONGO_URI = engine.uri;
    delete process.env.MONGO_MEMORY_SERVER;

    const first = await startTestMongo();
    const second = await startTestMongo();
    expect(first.uri).not.toBe(second.uri);

    await mongoose.connect(first.uri);
    const databaseName = mongoose.connection.db?.databaseName;
    expect(databaseName).toMatch(/^test_[0-9a-f]{12}$/);
    await mongoose.connection.collection('things').insertOne({ name: 'first' });
    expect(await databaseNames()).toContain(databaseName);
    await mongoose.disconnect();

    await first.stop();
    await second.stop();

    await mongoose.connect(engine.uri);
    expect(await databaseNames()).not.toContain(databaseName);
  });
});
