// Watch mode on a temporary folder: the watcher alone, then fixture programs restarted by it.
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { startChildServer, type ChildServer } from '../src/child-server';
import { answersOk } from '../src/probes';
import { restartOnChanges, watchSources, WATCH_MODE_RESTART_POLICY, type SourceWatcher } from '../src/watch';
import { eventually, freePorts, makeTempDir, removeDir, waitUntil } from './helpers';

const QUIET_MS = 200;

let dir: string;
let watcher: SourceWatcher | undefined;

beforeEach(async () => {
  dir = await makeTempDir();
});

afterEach(async () => {
  await watcher?.close();
  watcher = undefined;
  await removeDir(dir);
});

/** Writes `content` to a temporary file beside `file` and renames it over `file`: a new inode, as git checkout makes. */
function replaceByRename(file: string, content: string): void {
  const temporary = `${file}.tmp-${process.pid}`;
  writeFileSync(temporary, content);
  renameSync(temporary, file);
}

describe('watchSources', () => {
  let calls: string[][];

  beforeEach(async () => {
    mkdirSync(path.join(dir, 'src/routes'), { recursive: true });
    writeFileSync(path.join(dir, 'src/routes/show.ts'), 'export const version = 1;\n');
    calls = [];
    watcher = await watchSources({
      dirs: [path.join(dir, 'src')],
      onChanges: (files) => calls.push(files.map((file) => path.relative(dir, file)).sort()),
      onError: (error) => calls.push([`error: ${error.message}`]),
      quietMs: QUIET_MS,
    });
  });

  /** Waits for the next call, and a while longer to see that no other one follows. */
  async function nextCall(): Promise<string[]> {
    const count = calls.length;
    await waitUntil(() => calls.length > count);
    await delay(QUIET_MS * 2);
    expect(calls).toHaveLength(count + 1);
    return calls[count];
  }

  test('tells an edit, a creation and a deletion, each in one call', async () => {
    writeFileSync(path.join(dir, 'src/routes/show.ts'), 'export const version = 2;\n');
    expect(await nextCall()).toEqual(['src/routes/show.ts']);
    writeFileSync(path.join(dir, 'src/routes/new.ts'), 'export {};\n');
    expect(await nextCall()).toEqual(['src/routes/new.ts']);
    rmSync(path.join(dir, 'src/routes/new.ts'));
    expect(await nextCall()).toEqual(['src/routes/new.ts']);
  });

  test('follows a file replaced by a rename: the replacement and every later edit are told', async () => {
    const file = path.join(dir, 'src/routes/show.ts');
    replaceByRename(file, 'export const version = 2;\n');
    expect(await nextCall()).toEqual(['src/routes/show.ts']);
    writeFileSync(file, 'export const version = 3;\n');
    expect(await nextCall()).toEqual(['src/routes/show.ts']);
    replaceByRename(file, 'export const version = 4;\n');
    expect(await nextCall()).toEqual(['src/routes/show.ts']);
    writeFileSync(file, 'export const version = 5;\n');
    expect(await nextCall()).toEqual(['src/routes/show.ts']);
  });

  test('tells a burst of 20 changes, as a git checkout makes, in one call', async () => {
    const files = Array.from({ length: 20 }, (_, index) => `src/routes/route-${String(index).padStart(2, '0')}.ts`);
    for (const file of files) writeFileSync(path.join(dir, file), 'export {};\n');
    expect(await nextCall()).toEqual(files);
  });

  test('tells a deleted folder, and nothing of files that are not code (an editor swap file)', async () => {
    writeFileSync(path.join(dir, 'src/routes/.show.ts.swp'), 'swap');
    writeFileSync(path.join(dir, 'src/routes/show.ts~'), 'backup');
    await delay(QUIET_MS * 3);
    expect(calls).toEqual([]);
    rmSync(path.join(dir, 'src/routes'), { recursive: true });
    expect(await nextCall()).toEqual(['src/routes', 'src/routes/show.ts']);
  });
});

describe('restartOnChanges', () => {
  // Answers with what its own message.js and the shared greeting.js say.
  const MAIN = `
const { createServer } = require('node:http');
const { message } = require('./message.js');
const { greeting } = require('../../common/src/greeting.js');
createServer((req, res) => res.end(greeting + ' ' + message)).listen(Number(process.env.PORT), '127.0.0.1');
`;

  let servers: ChildServer[];
  let notices: string[];
  let ports: Record<'a#1' | 'a#2' | 'b', number>;

  beforeEach(async () => {
    for (const program of ['a', 'b']) {
      mkdirSync(path.join(dir, program, 'src'), { recursive: true });
      writeFileSync(path.join(dir, program, 'src/main.js'), MAIN);
      writeFileSync(path.join(dir, program, 'src/message.js'), `exports.message = '${program} 1';\n`);
    }
    mkdirSync(path.join(dir, 'common/src'), { recursive: true });
    writeFileSync(path.join(dir, 'common/src/greeting.js'), "exports.greeting = 'hello';\n");
    const [a1, a2, b] = await freePorts(3);
    ports = { 'a#1': a1, 'a#2': a2, b };
    notices = [];
    servers = await Promise.all(
      Object.entries(ports).map(([name, port]) =>
        startChildServer({
          name,
          command: process.execPath,
          args: [path.join(dir, name.slice(0, 1), 'src/main.js')],
          env: { PORT: String(port) },
          logFile: path.join(dir, `${name}.log`),
          isReady: () => answersOk(`http://127.0.0.1:${port}/`),
          startTimeoutMs: 10_000,
          restartPolicy: WATCH_MODE_RESTART_POLICY,
          onNotice: (message) => notices.push(message),
          // As the stack has it in watch mode.
          onGiveUp: (why) => notices.push(`${why}; waiting for a change`),
        }),
      ),
    );
    const serversOf = (program: string) => servers.filter((server) => server.name.startsWith(program));
    watcher = await restartOnChanges(
      ['a', 'b'].map((program) => ({
        name: program,
        dir: path.join(dir, program),
        sourceDirs: [path.join(dir, program, 'src'), path.join(dir, 'common/src')],
        servers: serversOf(program),
      })),
      (message) => notices.push(message),
    );
  });

  afterEach(async () => {
    await watcher?.close();
    watcher = undefined;
    await Promise.all(servers.map((server) => server.stop()));
  });

  async function answer(name: keyof typeof ports): Promise<string> {
    return (await fetch(`http://127.0.0.1:${ports[name]}/`)).text();
  }

  function answers(name: keyof typeof ports, expected: string): Promise<true> {
    return eventually(`${name} to answer '${expected}'`, async () =>
      (await answer(name).catch(() => undefined)) === expected ? true : undefined,
    );
  }

  const pids = () => servers.map((server) => server.pid());

  test('a file replaced by a rename restarts its program, every instance, and so does a later edit', async () => {
    const before = pids();
    replaceByRename(path.join(dir, 'a/src/message.js'), "exports.message = 'a 2';\n");
    await answers('a#1', 'hello a 2');
    await answers('a#2', 'hello a 2');
    expect(notices).toEqual(['a: src/message.js changed, restarting']);
    const [a1, a2, b] = pids();
    expect(a1).not.toBe(before[0]);
    expect(a2).not.toBe(before[1]);
    expect(b).toBe(before[2]);

    writeFileSync(path.join(dir, 'a/src/message.js'), "exports.message = 'a 3';\n");
    await answers('a#1', 'hello a 3');
    await answers('a#2', 'hello a 3');
    expect(notices).toEqual(['a: src/message.js changed, restarting', 'a: src/message.js changed, restarting']);
  });

  test('a change of the shared code restarts every program once, however many files changed', async () => {
    for (let index = 0; index < 20; index++) {
      replaceByRename(path.join(dir, 'common/src/greeting.js'), `exports.greeting = 'hi ${index}';\n`);
      writeFileSync(path.join(dir, `common/src/unused-${index}.js`), 'exports.unused = true;\n');
    }
    await answers('a#2', 'hi 19 a 1');
    await answers('b', 'hi 19 b 1');
    expect(await answer('a#1')).toBe('hi 19 a 1');
    expect(notices.sort()).toEqual([
      'a: ../common/src/greeting.js and 20 more changed, restarting',
      'b: ../common/src/greeting.js and 20 more changed, restarting',
    ]);
  });

  test('a change that keeps a program from starting: it waits for the next change, which brings it back', async () => {
    writeFileSync(path.join(dir, 'b/src/message.js'), 'this is not JavaScript\n');
    await waitUntil(() => notices.length === 2, 10_000);
    expect(notices).toEqual([
      'b: src/message.js changed, restarting',
      expect.stringMatching(/^b exited with code 1 before it was ready: .*SyntaxError.*; waiting for a change$/),
    ]);
    expect(servers[2].pid()).toBeUndefined();

    writeFileSync(path.join(dir, 'b/src/message.js'), "exports.message = 'b 2';\n");
    await answers('b', 'hello b 2');
    expect(notices.slice(2)).toEqual(['b: src/message.js changed, restarting']);
  });
});
