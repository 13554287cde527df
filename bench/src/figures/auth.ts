import { run, runScript, workspaceEnv } from '../processes';
import type { LoadOutput } from '../load';
import type { Figure } from '../report';
import { summarize } from '../stats';
import type { BenchSystem } from '../system';

const ACCOUNTS = 300;
const CONCURRENCY = 20;

/** auth's own benchmark (`npm run bench -w auth`): median ms to hash and to verify with argon2id, one at a time. */
async function kdfAlone(): Promise<{ parameters: string; hashMs: number; verifyMs: number }> {
  const output = await run('npm', ['run', '--silent', 'bench', '-w', 'auth'], workspaceEnv());
  const match = /^(argon2id[^\n]*?)\s+hash\s+([\d.]+) ms\s+verify\s+([\d.]+) ms/m.exec(output);
  if (!match) throw new Error(`unexpected output of auth's bench: ${output}`);
  return { parameters: match[1].trim(), hashMs: Number(match[2]), verifyMs: Number(match[3]) };
}

/**
 * Sign-up then sign-in of 300 accounts, 20 at a time, through the gateway; beside them the KDF
 * alone in one process (auth's bench), whose one-at-a-time rate bounds what one core can do.
 */
export async function authFigure(system: BenchSystem): Promise<Figure> {
  const kdf = await kdfAlone();
  const load = await runScript<LoadOutput>('load.ts', {
    kind: 'auth',
    url: system.stack.url,
    count: ACCOUNTS,
    concurrency: CONCURRENCY,
  });
  const { signup, signin } = load.phases!;
  const signupLatency = summarize(signup.samples);
  const signinLatency = summarize(signin.samples);
  return {
    name: 'sign-up and sign-in',
    goal: 'reported, with the KDF parameters',
    verdict: 'reported',
    values: {
      KDF: kdf.parameters,
      'KDF alone hash ms': kdf.hashMs,
      'KDF alone verify ms': kdf.verifyMs,
      'KDF alone verifies/s (one at a time)': 1000 / kdf.verifyMs,
      'sign-up/s': (signup.samples.length * 1000) / signup.durationMs,
      'sign-up p99 ms': signupLatency.p99,
      'sign-in/s': (signin.samples.length * 1000) / signin.durationMs,
      'sign-in p99 ms': signinLatency.p99,
      'sign-up answers': JSON.stringify(signup.statuses),
      'sign-in answers': JSON.stringify(signin.statuses),
    },
    latencies: { 'POST /api/users/signup': signupLatency, 'POST /api/users/signin': signinLatency },
  };
}
