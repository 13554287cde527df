// The README's "Try it with curl" section, run as a reader would: every ```sh block in order, in one
// directory, against the stack started with the reservation window the section asks for, each
// answer checked against the block shown after it (`…` stands for anything within a line).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startStack, type Stack } from '../src';
import { repoRoot } from '../src/services';
import { makeTempDir, removeDir } from './helpers';

const SECTION_HEADING = '## Try it with curl';
const README_BASE_URL = 'http://localhost:3000';
/** Some answers come through the event stream a few milliseconds later: a step is tried again for this long. */
const STEP_PATIENCE_MS = 15_000;

interface Step {
  /** The shell commands of one ```sh block. */
  commands: string;
  /** The block shown right after it, if any: what the commands print. */
  expected?: string;
}

interface Walkthrough {
  expirationWindowSeconds: number;
  steps: Step[];
}

function readWalkthrough(): Walkthrough {
  const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const start = readme.indexOf(`${SECTION_HEADING}\n`);
  if (start < 0) throw new Error(`README.md has no "${SECTION_HEADING}" section`);
  const end = readme.indexOf('\n## ', start + SECTION_HEADING.length);
  const section = readme.slice(start, end < 0 ? undefined : end);

  const window = /`EXPIRATION_WINDOW_SECONDS=(\d+) npm start`/.exec(section);
  if (!window)
    throw new Error('the section does not say how to start the stack (EXPIRATION_WINDOW_SECONDS=N npm start)');

  const steps: Step[] = [];
  for (const [, language, body] of section.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)) {
    if (language === 'sh') steps.push({ commands: body });
    else if (steps.length > 0 && steps[steps.length - 1].expected === undefined)
      steps[steps.length - 1].expected = body;
  }
  return { expirationWindowSeconds: Number(window[1]), steps };
}

/** `expected` as a pattern for the whole output: literal text, where `…` is any run of characters within a line. */
function outputPattern(expected: string): RegExp {
  const literal = expected
    .trimEnd()
    .split('…')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${literal.join('[^\\n]*')}$`);
}

interface StepRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs one step in a fresh bash that stops at the first failing command, with the variables the
 * steps before it set (kept in a file, as a reader's terminal keeps them). Asynchronously: the
 * gateway the commands talk to runs in this process.
 */
function runStep(step: Step, directory: string, baseUrl: string): Promise<StepRun> {
  const script = [
    'set -euo pipefail',
    'set -a',
    '[ -f .walkthrough-variables ] && source .walkthrough-variables',
    step.commands.replaceAll(README_BASE_URL, baseUrl),
    'export -p > .walkthrough-variables',
  ].join('\n');
  return new Promise((resolve, reject) => {
    const bash = spawn('bash', ['-c', script], { cwd: directory, timeout: 60_000 });
    let stdout = '';
    let stderr = '';
    bash.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    bash.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    bash.once('error', reject);
    bash.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

function succeeded(step: Step, run: StepRun): boolean {
  if (run.status !== 0) return false;
  return step.expected === undefined || outputPattern(step.expected).test(run.stdout.trimEnd());
}

let stack: Stack | undefined;
let dataDir: string;
let workDir: string;

beforeAll(async () => {
  [dataDir, workDir] = await Promise.all([makeTempDir(), makeTempDir()]);
});

afterAll(async () => {
  await stack?.stop();
  await Promise.all([removeDir(dataDir), removeDir(workDir)]);
});

test('every command of the README walkthrough runs and answers as shown', async () => {
  const walkthrough = readWalkthrough();
  expect(walkthrough.steps.length).toBeGreaterThan(10);
  stack = await startStack({
    dataDir,
    runMode: 'source',
    expirationWindowSeconds: walkthrough.expirationWindowSeconds,
  });

  for (const [index, step] of walkthrough.steps.entries()) {
    const deadline = Date.now() + STEP_PATIENCE_MS;
    let run = await runStep(step, workDir, stack.url);
    // A step whose answer comes through the event stream is tried again, as a reader would.
    while (!succeeded(step, run) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      run = await runStep(step, workDir, stack.url);
    }
    expect({ step: index + 1, commands: step.commands, exitCode: run.status, stderr: run.stderr }).toEqual({
      step: index + 1,
      commands: step.commands,
      exitCode: 0,
      stderr: '',
    });
    if (step.expected !== undefined) {
      expect({ step: index + 1, output: run.stdout.trimEnd() }).toEqual({
        step: index + 1,
        output: expect.stringMatching(outputPattern(step.expected)),
      });
    }
  }
}, 240_000);
