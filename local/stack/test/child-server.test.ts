// The supervisor of the stack's child processes, on a tiny fixture server rather than a service:
// restarts, waits, giving up and stopping are quick to provoke and to time.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { startChildServer, type ChildServer, type RestartPolicy } from '../src/child-server';
import { answersOk } from '../src/probes';
import { allFree, freePorts, isRunning, makeTempDir, removeDir, waitUntil } from './helpers';

// Answers every request with the pid of the process that serves it, and exits with code 3 when
// asked to at /exit. What it does when it starts is read from a file at every start: serve, fail
// at once, or serve from a child process of its own.
const FIXTURE = `
const { readFileSync } = require('node:fs');
const { createServer } = require('node:http');
const { spawn } = require('node:child_process');
const mode = process.env.FIXTURE_CHILD ? 'serve' : readFileSync(process.env.MODE_FILE, 'utf8');
if (mode === 'fail') {
  console.error('told to fail');
  process.exit(1);
} else if (mode === 'serve-from-child') {
  spawn(process.execPath, [__filename], { env: { ...process.env, FIXTURE_CHILD: '1' }, stdio: 'inherit' });
  setInterval(() => undefined, 1000);
} else {
  createServer((req, res) => {
    if (req.url === '/exit') {
      console.error('asked to exit');
      process.exit(3);
    }
    res.end(String(process.pid));
  }).listen(Number(process.env.PORT), '127.0.0.1');
}
`;

const QUICK_POLICY: RestartPolicy = { firstDelayMs: 100, maxDelayMs: 200, stableAfterMs: 60_000, maxFailedStarts: 3 };

let dir: string;
let port: number;
let server: ChildServer | undefined;
let notices: string[];
let giveUps: string[];

beforeEach(async () => {
  dir = await makeTempDir();
  [port] = await freePorts(1);
  writeFileSync(path.join(dir, 'fixture.js'), FIXTURE);
  setMode('serve');
  notices = [];
  giveUps = [];
});

afterEach(async () => {
  await server?.stop();
  server = undefined;
  await removeDir(dir);
});

function setMode(mode: 'serve' | 'fail' | 'serve-from-child'): void {
  writeFileSync(path.join(dir, 'mode'), mode);
}

async function start(policy: RestartPolicy = QUICK_POLICY): Promise<ChildServer> {
  server = await startChildServer({
    name: 'fixture',
    command: process.execPath,
    args: [path.join(dir, 'fixture.js')],
    env: { PORT: String(port), MODE_FILE: path.join(dir, 'mode') },
    logFile: path.join(dir, 'fixture.log'),
    isReady: () => answersOk(`http://127.0.0.1:${port}/`),
    startTimeoutMs: 10_000,
    restartPolicy: policy,
    onNotice: (message) => notices.push(message),
    onGiveUp: (message) => giveUps.push(message),
  });
  return server;
}

/** The pid of the process that answers on the fixture's port. */
async function servingPid(): Promise<number> {
  return Number(await (await fetch(`http://127.0.0.1:${port}/`)).text());
}

test('restarts a server killed again and again on its port, each wait twice the one before up to the cap', async () => {
  const fixture = await start();
  const pids = [fixture.pid()!];
  for (let kill = 1; kill <= 3; kill++) {
    const killedAt = Date.now();
    fixture.kill('SIGKILL');
    await fixture.whenUp(5_000);
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual(Math.min(100 * 2 ** (kill - 1), 200));
    pids.push(fixture.pid()!);
    expect(await servingPid()).toBe(fixture.pid());
  }
  expect(new Set(pids).size).toBe(4);
  expect(pids.slice(0, 3).some(isRunning)).toBe(false);
  expect(notices).toEqual([
    'fixture was killed by SIGKILL; restarting in 0.1 s (restart 1)',
    'fixture is back',
    'fixture was killed by SIGKILL; restarting in 0.2 s (restart 2)',
    'fixture is back',
    'fixture was killed by SIGKILL; restarting in 0.2 s (restart 3)',
    'fixture is back',
  ]);
  expect(giveUps).toEqual([]);
});

test('waits the shortest time again once the server has stayed up long enough', async () => {
  const fixture = await start({ ...QUICK_POLICY, stableAfterMs: 300 });
  fixture.kill('SIGKILL');
  await fixture.whenUp(5_000);
  fixture.kill('SIGKILL');
  await fixture.whenUp(5_000);
  await delay(500);
  fixture.kill('SIGKILL');
  await fixture.whenUp(5_000);
  expect(notices.filter((notice) => notice.includes('restarting'))).toEqual([
    'fixture was killed by SIGKILL; restarting in 0.1 s (restart 1)',
    'fixture was killed by SIGKILL; restarting in 0.2 s (restart 2)',
    'fixture was killed by SIGKILL; restarting in 0.1 s (restart 1)',
  ]);
});

test('tells what a server that exited with a code last logged, and where its log is', async () => {
  await start();
  await fetch(`http://127.0.0.1:${port}/exit`).catch(() => undefined);
  await waitUntil(() => notices.length === 2);
  expect(notices).toEqual([
    `fixture exited with code 3: asked to exit (see ${path.join(dir, 'fixture.log')}); restarting in 0.1 s (restart 1)`,
    'fixture is back',
  ]);
});

test('gives up in one line on a server that keeps exiting before it is ready, until restarted', async () => {
  const fixture = await start();
  setMode('fail');
  fixture.kill('SIGKILL');
  await expect(fixture.whenUp(10_000)).rejects.toThrow(/times in a row/);
  const log = path.join(dir, 'fixture.log');
  const failedStart = `fixture exited with code 1 before it was ready: told to fail (see ${log})`;
  expect(giveUps).toEqual([`${failedStart} (3 times in a row)`]);
  expect(notices).toEqual([
    'fixture was killed by SIGKILL; restarting in 0.1 s (restart 1)',
    `${failedStart}; restarting in 0.2 s (restart 2)`,
    `${failedStart}; restarting in 0.2 s (restart 3)`,
  ]);
  expect(fixture.pid()).toBeUndefined();
  await delay(500);
  expect(notices).toHaveLength(3);
  expect(await allFree([port])).toBe(true);

  setMode('serve');
  await fixture.restart({ signal: 'SIGTERM' });
  expect(await servingPid()).toBe(fixture.pid());
});

test('stop() while a restart waits for its time: no restart follows, nothing is left running', async () => {
  const fixture = await start({ ...QUICK_POLICY, firstDelayMs: 500, maxDelayMs: 500 });
  const pid = fixture.pid()!;
  fixture.kill('SIGKILL');
  await waitUntil(() => notices.length === 1);
  const waiting = fixture.whenUp(5_000);
  await fixture.stop();
  await expect(waiting).rejects.toThrow('fixture was stopped');
  await delay(800);
  expect(notices).toEqual(['fixture was killed by SIGKILL; restarting in 0.5 s (restart 1)']);
  expect(fixture.pid()).toBeUndefined();
  expect(isRunning(pid)).toBe(false);
  expect(await allFree([port])).toBe(true);
});

test('whenUp after kill() waits for the process started after it; pid is undefined in between', async () => {
  const fixture = await start({ ...QUICK_POLICY, firstDelayMs: 300 });
  const first = fixture.pid()!;
  fixture.kill('SIGTERM');
  const up = fixture.whenUp(5_000);
  await waitUntil(() => notices.length === 1);
  expect(fixture.pid()).toBeUndefined();
  await up;
  expect(fixture.pid()).not.toBe(first);
  expect(await servingPid()).toBe(fixture.pid());

  // A stopped process has not exited: nothing to wait for.
  fixture.kill('SIGSTOP');
  await fixture.whenUp(1_000);
  fixture.kill('SIGCONT');
  expect(await servingPid()).toBe(fixture.pid());
});

test('restart() ends the process, runs beforeStart once it is gone, and starts it again at once', async () => {
  const fixture = await start({ ...QUICK_POLICY, firstDelayMs: 5_000 });
  const first = fixture.pid()!;
  const seenBeforeStart: { portFree: boolean; firstRunning: boolean }[] = [];
  await fixture.restart({
    signal: 'SIGKILL',
    beforeStart: async () => {
      seenBeforeStart.push({ portFree: await allFree([port]), firstRunning: isRunning(first) });
    },
  });
  expect(seenBeforeStart).toEqual([{ portFree: true, firstRunning: false }]);
  expect(await servingPid()).toBe(fixture.pid());
  expect(fixture.pid()).not.toBe(first);
  expect(notices).toEqual([]);
});

test('a server that dies leaves nothing behind: a child of its own holding its port is killed too', async () => {
  setMode('serve-from-child');
  const fixture = await start();
  const child = await servingPid();
  expect(child).not.toBe(fixture.pid());
  setMode('serve');
  fixture.kill('SIGKILL');
  await fixture.whenUp(5_000);
  expect(isRunning(child)).toBe(false);
  expect(await servingPid()).toBe(fixture.pid());
});
