import { spawn } from 'node:child_process';
import path from 'node:path';
import { createMemoryLogger } from '../testing/memory-logger';
import { startNatsServer, type TestNatsServer } from '../testing/nats-server';
import { findFreePort } from '../testing/server-process';
import { waitForEvent } from '../testing/wait';
import { connectBus, DEAD_LETTER_STREAM, DEAD_LETTER_SUBJECT_PREFIX, EVENT_STREAM, type Bus } from './bus';
import { DEAD_LETTERS_USAGE, runDeadLettersCli } from './dead-letters-cli';
import type { DeadLetterRecord } from './listener';
import { Subjects } from './subjects';

const script = path.join(__dirname, '../../../scripts/dead-letters.mjs');

let nats: TestNatsServer;
let bus: Bus;

interface CliRun {
  code: number;
  lines: string[];
  errors: string[];
}

async function cli(...args: string[]): Promise<CliRun> {
  const lines: string[] = [];
  const errors: string[] = [];
  const code = await runDeadLettersCli(args, nats.url, {
    print: (line) => lines.push(line),
    printError: (line) => errors.push(line),
  });
  return { code, lines, errors };
}

/** Stores a dead letter as a listener does; resolves with its id. */
async function storeDeadLetter(overrides: Partial<DeadLetterRecord> = {}): Promise<number> {
  const record: DeadLetterRecord = {
    subject: Subjects.ExpirationComplete,
    streamSequence: 7,
    consumer: 'orders-expiration-complete',
    deliveryCount: 10,
    eventId: 'evt-7',
    reason: 'max-deliveries',
    error: 'database unavailable',
    payload: JSON.stringify({ orderId: '6b01f1392dad1b761be159a8' }),
    deadLetteredAt: '2026-03-01T12:00:00.000Z',
    ...overrides,
  };
  const ack = await bus.js.publish(`${DEAD_LETTER_SUBJECT_PREFIX}${record.subject}`, JSON.stringify(record));
  return ack.seq;
}

beforeAll(async () => {
  nats = await startNatsServer();
  bus = await connectBus({ servers: nats.url, name: 'dead-letters-cli-test', logger: createMemoryLogger() });
  await bus.ensureStream();
});

afterEach(async () => {
  const jsm = await bus.jetstreamManager();
  await jsm.streams.purge(EVENT_STREAM);
  await jsm.streams.purge(DEAD_LETTER_STREAM);
});

afterAll(async () => {
  await bus?.close();
  await nats?.stop();
});

describe('runDeadLettersCli', () => {
  it('lists one line per dead letter, its error shortened', async () => {
    expect(await cli('list')).toEqual({ code: 0, lines: ['no dead letters'], errors: [] });

    const short = await storeDeadLetter();
    const long = await storeDeadLetter({ reason: 'too-early-timeout', error: `ticket ${'x'.repeat(100)} still held` });
    const { code, lines, errors } = await cli('list');
    expect({ code, errors }).toEqual({ code: 0, errors: [] });
    expect(lines).toEqual([
      `${short}  expiration.complete  orders-expiration-complete  max-deliveries  2026-03-01T12:00:00.000Z  database unavailable`,
      expect.stringMatching(
        new RegExp(`^${long}  expiration\\.complete  orders-expiration-complete  too-early-timeout  \\S+  ticket x+…$`),
      ),
    ]);
    expect(lines[1].length).toBeLessThan(160);
  });

  it('shows a dead letter with its payload as JSON', async () => {
    const id = await storeDeadLetter();
    const { code, lines } = await cli('show', String(id));
    expect(code).toBe(0);
    expect(lines.join('\n')).toBe(
      [
        '{',
        `  "id": ${id},`,
        '  "subject": "expiration.complete",',
        '  "streamSequence": 7,',
        '  "consumer": "orders-expiration-complete",',
        '  "deliveryCount": 10,',
        '  "eventId": "evt-7",',
        '  "reason": "max-deliveries",',
        '  "error": "database unavailable",',
        '  "payload": {',
        '    "orderId": "6b01f1392dad1b761be159a8"',
        '  },',
        '  "deadLetteredAt": "2026-03-01T12:00:00.000Z"',
        '}',
      ].join('\n'),
    );
  });

  it('shows a payload that is not JSON as it came', async () => {
    const id = await storeDeadLetter({ reason: 'invalid-payload', payload: 'not json' });
    const { lines } = await cli('show', String(id));
    expect(JSON.parse(lines.join('\n'))).toMatchObject({ payload: 'not json' });
  });

  it('replays one dead letter, then all of them', async () => {
    const first = await storeDeadLetter();
    const second = await storeDeadLetter({ eventId: 'evt-8', streamSequence: 8 });
    const third = await storeDeadLetter({ eventId: null, streamSequence: 9 });

    expect(await cli('replay', String(first))).toEqual({
      code: 0,
      lines: [`replayed ${first} on expiration.complete as event evt-7:replay:${first}`],
      errors: [],
    });
    const { msg } = await waitForEvent(bus, Subjects.ExpirationComplete);
    expect(msg.headers?.get('Nats-Msg-Id')).toBe(`evt-7:replay:${first}`);

    expect(await cli('replay', '--all')).toEqual({
      code: 0,
      lines: [
        `replayed ${second} on expiration.complete as event evt-8:replay:${second}`,
        `replayed ${third} on expiration.complete as event orders-expiration-complete:9:replay:${third}`,
        'replayed 2 dead letters',
      ],
      errors: [],
    });
    expect(await cli('list')).toMatchObject({ lines: ['no dead letters'] });
  });

  it.each([
    [['bogus'], DEAD_LETTERS_USAGE],
    [[], DEAD_LETTERS_USAGE],
    [['list', 'extra'], DEAD_LETTERS_USAGE],
    [['show'], DEAD_LETTERS_USAGE],
    [['replay', '--everything'], 'not a dead-letter id: --everything (ids are the numbers `list` shows)'],
    [['show', '0'], 'not a dead-letter id: 0 (ids are the numbers `list` shows)'],
    [['show', '999'], 'no dead letter 999'],
    [['replay', '999'], 'no dead letter 999'],
  ])('refuses %j with one line and exit code 1', async (args, message) => {
    expect(await cli(...args)).toEqual({ code: 1, lines: [], errors: [message] });
  });

  it('says when NATS cannot be reached', async () => {
    const url = `nats://127.0.0.1:${await findFreePort()}`;
    const errors: string[] = [];
    const code = await runDeadLettersCli(['list'], url, { print: () => undefined, printError: (l) => errors.push(l) });
    expect(code).toBe(1);
    expect(errors).toEqual([expect.stringMatching(new RegExp(`^cannot reach NATS at ${url}: `))]);
  });
});

describe('scripts/dead-letters.mjs', () => {
  function run(args: string[], natsUrl: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const child = spawn(process.execPath, [script, ...args], { env: { PATH: process.env.PATH, NATS_URL: natsUrl } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
  }

  it('runs a command against NATS_URL', async () => {
    const id = await storeDeadLetter();
    const { code, stdout, stderr } = await run(['list'], nats.url);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toMatch(new RegExp(`^${id}  expiration\\.complete  `));
  }, 20_000);

  it('exits 1 with one line on standard error, never a stack trace', async () => {
    expect(await run(['show', '999'], nats.url)).toEqual({ code: 1, stdout: '', stderr: 'no dead letter 999\n' });
  }, 20_000);
});
