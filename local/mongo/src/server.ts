import net from 'node:net';
import { CommandExecutor, ConnectionInfo } from './commands';
import { Journal } from './journal';
import { Storage } from './storage';
import { MORE_TO_COME, Message, OP_MSG, ProtocolError, encodeReply, parseMessage, readMessages } from './wire';

export interface EmbeddedMongoOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** Address to listen on; 127.0.0.1 by default. */
  host?: string;
  /** Directory for the journal; without it data lives only in memory. */
  dataDir?: string;
  /** Replica set name reported to clients. */
  replSetName?: string;
  /** Where notices (journal recovery, compaction) go. */
  log?: (message: string) => void;
}

export interface EmbeddedMongo {
  /** Connection string for the driver or mongoose, with `?replicaSet=`. */
  uri: string;
  host: string;
  port: number;
  stop(): Promise<void>;
}

const MAINTENANCE_INTERVAL_MS = 1000;
const TTL_INTERVAL_MS = 60_000;

/** Starts an in-process MongoDB-compatible server speaking the wire protocol. */
export async function startEmbeddedMongo(options: EmbeddedMongoOptions = {}): Promise<EmbeddedMongo> {
  const host = options.host ?? '127.0.0.1';
  const replSetName = options.replSetName ?? 'rs0';
  const log = options.log ?? (() => undefined);
  const storage = new Storage();
  const journal = options.dataDir ? Journal.open(options.dataDir, storage, log) : undefined;
  const executor = new CommandExecutor(storage, replSetName, (ops) => journal?.append(ops));

  const sockets = new Set<net.Socket>();
  let nextConnectionId = 1;
  let nextRequestId = 1;

  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    const connection: ConnectionInfo = {
      id: nextConnectionId++,
      address: formatAddress(socket.localAddress, socket.localPort),
      clientAddress: formatAddress(socket.remoteAddress, socket.remotePort),
    };
    let pending: Buffer = Buffer.alloc(0);
    const queue: Message[] = [];
    let draining = false;
    // Commands of one connection run in order; one that waits for a transaction holds the rest back.
    const drain = async () => {
      if (draining) return;
      draining = true;
      while (queue.length > 0 && !socket.destroyed) {
        const message = queue.shift()!;
        let execution = executor.execute(message.command, connection);
        while ('waitFor' in execution) {
          await execution.waitFor.ended;
          execution = executor.execute(message.command, connection);
        }
        await execution.durable;
        if (message.opCode === OP_MSG && message.flags & MORE_TO_COME) continue;
        socket.write(encodeReply(message, nextRequestId++, execution.reply));
      }
      draining = false;
    };
    socket.on('data', (chunk) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      try {
        const { messages, rest } = readMessages(pending);
        pending = rest;
        queue.push(...messages.map(parseMessage));
      } catch (error) {
        if (!(error instanceof ProtocolError)) throw error;
        log(`closing connection ${connection.id}: ${error.message}`);
        socket.destroy();
        return;
      }
      void drain();
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as net.AddressInfo).port;

  const maintenance = setInterval(() => executor.maintain(), MAINTENANCE_INTERVAL_MS);
  const ttl = setInterval(() => {
    storage.expireTtlDocuments();
    void journal?.append(storage.takeJournalOps());
  }, TTL_INTERVAL_MS);
  maintenance.unref();
  ttl.unref();

  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= new Promise<void>((resolve) => {
      clearInterval(maintenance);
      clearInterval(ttl);
      for (const socket of sockets) socket.destroy();
      server.close(() => {
        if (!journal) return resolve();
        void journal.flush().then(() => {
          journal.compactIfWorthwhile(storage, storage.documentCount());
          journal.close();
          resolve();
        });
      });
    });
    return stopped;
  };

  const uriHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return {
    uri: `mongodb://${formatAddress(uriHost, port)}/?replicaSet=${replSetName}`,
    host,
    port,
    stop,
  };
}

function formatAddress(address: string | undefined, port: number | undefined): string {
  const host = (address ?? '127.0.0.1').replace(/^::ffff:/, '');
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
