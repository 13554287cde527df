import { errorMessage } from '../errors/error-message';
import { createLogger } from '../kit/logger';
import { connectBus, type Bus } from './bus';
import {
  listDeadLetters,
  readDeadLetter,
  replayAllDeadLetters,
  replayDeadLetter,
  type DeadLetter,
  type ReplayedDeadLetter,
} from './dead-letters';

export const DEAD_LETTERS_USAGE = 'usage: npm run dead-letters -- list | show ID | replay ID | replay --all';

/** The NATS server of the local stack (`npm start`, see local/stack/src/cli.ts). */
export const DEFAULT_DEAD_LETTERS_NATS_URL = 'nats://127.0.0.1:4223';

export interface DeadLettersCliOutput {
  /** One line of the command's result. */
  print(line: string): void;
  /** One line saying why the command failed. */
  printError(line: string): void;
}

type Command =
  | { name: 'list' }
  | { name: 'show'; id: number }
  | { name: 'replay'; id: number }
  | { name: 'replay-all' }
  | { name: 'invalid'; message: string };

const ERROR_LENGTH_IN_LIST = 60;

/**
 * `npm run dead-letters`: runs one command against the NATS server at `natsUrl` and resolves with
 * the exit code. Every failure is one line on `printError` and exit code 1, never a stack trace.
 */
export async function runDeadLettersCli(
  args: string[],
  natsUrl: string,
  output: DeadLettersCliOutput,
): Promise<number> {
  const command = parseCommand(args);
  if (command.name === 'invalid') {
    output.printError(command.message);
    return 1;
  }

  let bus: Bus;
  try {
    bus = await connectBus({
      servers: natsUrl,
      name: 'dead-letters-cli',
      logger: createLogger('dead-letters', { level: 'silent' }),
      waitForFirstConnect: false,
    });
  } catch (err) {
    output.printError(`cannot reach NATS at ${natsUrl}: ${errorMessage(err)}`);
    return 1;
  }
  try {
    await runCommand(bus, command, output);
    return 0;
  } catch (err) {
    output.printError(errorMessage(err));
    return 1;
  } finally {
    await bus.close();
  }
}

function parseCommand(args: string[]): Command {
  const [name, argument, ...rest] = args;
  if (rest.length > 0) return { name: 'invalid', message: DEAD_LETTERS_USAGE };
  if (name === 'list' && argument === undefined) return { name: 'list' };
  if (name === 'replay' && argument === '--all') return { name: 'replay-all' };
  if ((name === 'show' || name === 'replay') && argument !== undefined) {
    if (!/^[1-9][0-9]*$/.test(argument)) {
      return { name: 'invalid', message: `not a dead-letter id: ${argument} (ids are the numbers \`list\` shows)` };
    }
    return { name, id: Number(argument) };
  }
  return { name: 'invalid', message: DEAD_LETTERS_USAGE };
}

async function runCommand(bus: Bus, command: Exclude<Command, { name: 'invalid' }>, output: DeadLettersCliOutput) {
  switch (command.name) {
    case 'list': {
      const deadLetters = await listDeadLetters(bus);
      if (deadLetters.length === 0) output.print('no dead letters');
      for (const deadLetter of deadLetters) output.print(listLine(deadLetter));
      break;
    }
    case 'show':
      output.print(showText(await readDeadLetter(bus, command.id)));
      break;
    case 'replay':
      output.print(replayLine(await replayDeadLetter(bus, command.id)));
      break;
    case 'replay-all': {
      const replayed = await replayAllDeadLetters(bus);
      for (const replay of replayed) output.print(replayLine(replay));
      output.print(`replayed ${replayed.length} dead letter${replayed.length === 1 ? '' : 's'}`);
      break;
    }
  }
}

function listLine({ id, record }: DeadLetter): string {
  const error = record.error.replace(/\s+/g, ' ');
  const shortError = error.length > ERROR_LENGTH_IN_LIST ? `${error.slice(0, ERROR_LENGTH_IN_LIST - 1)}…` : error;
  return [id, record.subject, record.consumer, record.reason, record.deadLetteredAt, shortError].join('  ');
}

/** The record with its payload as the JSON it holds (as received when it is not JSON). */
function showText({ id, record }: DeadLetter): string {
  let payload: unknown = record.payload;
  try {
    payload = JSON.parse(record.payload);
  } catch {
    // Dead-lettered because it is not JSON: shown as it came.
  }
  return JSON.stringify({ id, ...record, payload }, null, 2);
}

function replayLine(replay: ReplayedDeadLetter): string {
  return `replayed ${replay.id} on ${replay.subject} as event ${replay.eventId}`;
}
