import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { crashAfterCommitIfTriggered } from './crash-after-commit';

let dir: string;
let trigger: string;
let kill: jest.SpyInstance;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'crash-trigger-'));
  trigger = path.join(dir, 'trigger');
  kill = jest.spyOn(process, 'kill').mockImplementation(() => true);
});

afterEach(() => {
  kill.mockRestore();
  delete process.env.FAULT_CRASH_AFTER_COMMIT_TRIGGER;
  rmSync(dir, { recursive: true, force: true });
});

it('does nothing unless the environment names a trigger file', () => {
  writeFileSync(trigger, 'order.created');
  crashAfterCommitIfTriggered(['order.created']);
  expect(kill).not.toHaveBeenCalled();
});

it('does nothing while the trigger file is absent or names another subject', () => {
  process.env.FAULT_CRASH_AFTER_COMMIT_TRIGGER = trigger;
  crashAfterCommitIfTriggered(['order.created']);
  writeFileSync(trigger, 'ticket.created');
  crashAfterCommitIfTriggered(['order.created']);
  expect(kill).not.toHaveBeenCalled();
  expect(existsSync(trigger)).toBe(true);
});

it('kills this process once per trigger when the subject was committed', () => {
  process.env.FAULT_CRASH_AFTER_COMMIT_TRIGGER = trigger;
  writeFileSync(trigger, 'order.created\n');
  crashAfterCommitIfTriggered(['ticket.updated', 'order.created']);
  crashAfterCommitIfTriggered(['order.created']);
  expect(kill).toHaveBeenCalledTimes(1);
  expect(kill).toHaveBeenCalledWith(process.pid, 'SIGKILL');
  expect(existsSync(trigger)).toBe(false);
});
