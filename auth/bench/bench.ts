/**
 * Sign-in cost: median time to hash and to verify one password with the argon2id parameters auth
 * uses and with the scrypt parameters it used before (N = 2^15, r = 8, p = 1), one at a time on
 * one core. Run with `npm run bench -w auth`.
 */
import { scrypt } from 'node:crypto';
import { hashPassword, verifyPassword } from '../src/models/password';

const RUNS = 25;
const PASSWORD = 'correct horse battery staple';
const SCRYPT = { N: 2 ** 15, r: 8, p: 1 };

/** The hashes auth stored before argon2 (see verifyPassword, which still reads them). */
function oldScryptHash(password: string): Promise<string> {
  const salt = Buffer.from('0123456789abcdef');
  return new Promise((resolve, reject) => {
    scrypt(password, salt, 64, { ...SCRYPT, maxmem: 2 * 128 * SCRYPT.N * SCRYPT.r }, (err, key) => {
      if (err) reject(err);
      else resolve(`scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${key.toString('base64')}`);
    });
  });
}

async function medianMs(operation: () => Promise<unknown>): Promise<number> {
  await operation();
  const samples: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const started = process.hrtime.bigint();
    await operation();
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(RUNS / 2)];
}

async function main(): Promise<void> {
  const argon2Hash = await hashPassword(PASSWORD);
  const scryptHash = await oldScryptHash(PASSWORD);
  const rows = [
    ['argon2id m=19 MiB, t=2, p=1 (now)', () => hashPassword(PASSWORD), () => verifyPassword(PASSWORD, argon2Hash)],
    ['scrypt N=2^15, r=8, p=1 (before)', () => oldScryptHash(PASSWORD), () => verifyPassword(PASSWORD, scryptHash)],
  ] as const;

  console.log(`Password hashing, median of ${RUNS} runs each (Node ${process.version})`);
  for (const [name, hash, verify] of rows) {
    const hashMs = await medianMs(hash);
    const verifyMs = await medianMs(verify);
    console.log(
      `${name.padEnd(36)} hash ${hashMs.toFixed(1).padStart(6)} ms   verify ${verifyMs.toFixed(1).padStart(6)} ms`,
    );
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
