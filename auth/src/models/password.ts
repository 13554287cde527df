import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * scrypt parameters for new hashes: N = 2^15, r = 8 (32 MiB of memory per hash), p = 1.
 * They are stored in every hash, so raising them later still verifies the older hashes.
 */
const COST = 2 ** 15;
const BLOCK_SIZE = 8;
const PARALLELIZATION = 1;
const SALT_BYTES = 16;
const KEY_BYTES = 64;
const ALGORITHM = 'scrypt';

function deriveKey(password: string, salt: Buffer, keyLength: number, options: ScryptOptions): Promise<Buffer> {
  // Node refuses to use more than 32 MiB by default; allow what the parameters need plus headroom.
  const maxmem = 2 * 128 * (options.N ?? COST) * (options.r ?? BLOCK_SIZE);
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, keyLength, { ...options, maxmem }, (err, key) => {
      if (err) reject(err);
      else resolve(key);
    });
  });
}

/** `scrypt$N$r$p$salt$key` with salt and key in base64: a fresh random salt per call. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await deriveKey(password, salt, KEY_BYTES, { N: COST, r: BLOCK_SIZE, p: PARALLELIZATION });
  return [ALGORITHM, COST, BLOCK_SIZE, PARALLELIZATION, salt.toString('base64'), key.toString('base64')].join('$');
}

/** Whether `password` produces `storedHash`, compared in constant time. */
export async function verifyPassword(password: string, storedHash: string): Promise<boolean> {
  const [algorithm, cost, blockSize, parallelization, salt, key] = storedHash.split('$');
  if (algorithm !== ALGORITHM || key === undefined) {
    // A stored hash in another format is a data bug; say so without printing the hash.
    throw new Error('Stored password hash is not in the scrypt format');
  }
  const expected = Buffer.from(key, 'base64');
  const actual = await deriveKey(password, Buffer.from(salt, 'base64'), expected.length, {
    N: Number(cost),
    r: Number(blockSize),
    p: Number(parallelization),
  });
  return timingSafeEqual(actual, expected);
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
