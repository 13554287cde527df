import { readFileSync, unlinkSync } from 'node:fs';

/**
 * Fault injection for the fault suite, off unless FAULT_CRASH_AFTER_COMMIT_TRIGGER names a file:
 * when that file exists and holds the subject of an event just committed, the first process to
 * delete it kills itself at once — a crash between a transaction's commit and its events' publish,
 * which the outbox relay must make good. Deleting the file is atomic: one process crashes per trigger.
 */
export function crashAfterCommitIfTriggered(subjects: string[]): void {
  const trigger = process.env.FAULT_CRASH_AFTER_COMMIT_TRIGGER;
  if (!trigger) return;
  let subject: string;
  try {
    subject = readFileSync(trigger, 'utf8').trim();
  } catch {
    return;
  }
  if (!subjects.includes(subject)) return;
  try {
    unlinkSync(trigger);
  } catch {
    return;
  }
  process.kill(process.pid, 'SIGKILL');
}
