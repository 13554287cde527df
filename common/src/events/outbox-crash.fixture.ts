// Run by outbox.test.ts in a child process: commits a ticket and its event through an
// outbox that has no bus (so nothing is published), reports the commit, then waits
// to be killed — a service crashing between commit and publish.
import mongoose from 'mongoose';
import pino from 'pino';
import { Outbox } from './outbox';
import { Subjects, TicketStatus } from './subjects';

async function main(): Promise<void> {
  const [uri, ticketId, userId] = process.argv.slice(2);
  const connection = await mongoose.createConnection(uri).asPromise();
  const outbox = new Outbox({ connection, logger: pino({ level: 'silent' }) });
  const eventId = await outbox.transaction(async (session, record) => {
    await connection
      .collection('tickets')
      .insertOne({ _id: new mongoose.Types.ObjectId(ticketId), title: 'crash', price: 10 }, { session });
    return record(Subjects.TicketCreated, {
      id: ticketId,
      version: 0,
      title: 'crash',
      price: 10,
      userId,
      status: TicketStatus.Available,
    });
  });
  process.stdout.write(`committed ${eventId}\n`);
  setInterval(() => undefined, 60_000);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
