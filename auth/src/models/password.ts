import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { Algorithm, hash, parseOptions, verify } from '@node-rs/argon2';

/**
 * argon2id with OWASP's first recommended parameters: 19 MiB of memory, 2 passes, 1 lane.
 * They are stored in every hash (PHC format, `$argon2id$v=19$m=19456,t=2,p=1$salt$key`).
 */
const ARGON2_OPTIONS = { algorithm: Algorithm.Argon2id, memoryCost: 19 * 1024, timeCost: 2, parallelism: 1 };
const SALT_BYTES = 16;

/** Hashes made before argon2: `scrypt$N$r$p$salt$key`, salt and key in base64. They still verify. */
const SCRYPT_PREFIX = 'scrypt$';

// Equivalent Unicode spellings of one password (composed é, or e plus an accent) are one password.
const normalized = (password: string) => password.normalize('NFC');

/** An argon2id hash of `password` with a fresh random salt. */
export function hashPassword(password: string): Promise<string> {
  return hash(normalized(password), ARGON2_OPTIONS);
}

function verifyScrypt(password: string, storedHash: string): Promise<boolean> {
  const [, cost, blockSize, parallelization, salt, key] = storedHash.split('$');
  const expected = Buffer.from(key ?? '', 'base64');
  const options = { N: Number(cost), r: Number(blockSize), p: Number(parallelization) };
  // Node refuses to use more than 32 MiB by default; allow what the parameters need plus headroom.
  const maxmem = 2 * 128 * options.N * options.r;
  return new Promise((resolve, reject) => {
    scrypt(
      normalized(password),
      Buffer.from(salt, 'base64'),
      expected.length,
      { ...options, maxmem },
      (err, actual) => {
        if (err) reject(err);
        else resolve(timingSafeEqual(actual, expected));
      },
    );
  });
}

function isArgon2id(storedHash: string): boolean {
  return storedHash.startsWith('$argon2id$');
}

/** Whether `password` produces `storedHash` (argon2id, or scrypt from before), compared in constant time. */
export async function verifyPassword(password: string, storedHash: string): Promise<boolean> {
  if (isArgon2id(storedHash)) return verify(storedHash, normalized(password));
  if (storedHash.startsWith(SCRYPT_PREFIX) && storedHash.split('$').length === 6) {
    return verifyScrypt(password, storedHash);
  }
  // A stored hash in another format is a data bug; say so without printing the hash.
  throw new Error('Stored password hash is in neither the argon2id nor the scrypt format');
}

/** Whether a hash that verified was made otherwise than hashPassword makes them today. */
export function needsRehash(storedHash: string): boolean {
  if (!isArgon2id(storedHash)) return true;
  const options = parseOptions(storedHash);
  return (
    options.memoryCost !== ARGON2_OPTIONS.memoryCost ||
    options.timeCost !== ARGON2_OPTIONS.timeCost ||
    options.parallelism !== ARGON2_OPTIONS.parallelism
  );
}

let dummyHash: Promise<string> | undefined;

/**
 * Spends the time of one verification for an email that has no account, so that an
 * unknown email and a wrong password cannot be told apart by how long the answer takes.
 */
export async function verifyAgainstDummyHash(password: string): Promise<false> {
  dummyHash ??= hashPassword(randomBytes(SALT_BYTES).toString('base64'));
  await verifyPassword(password, await dummyHash);
  return false;
}
