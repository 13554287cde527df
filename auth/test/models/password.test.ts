import { hash } from '@node-rs/argon2';
import { hashPassword, needsRehash, verifyPassword } from '../../src/models/password';
import { scryptHash } from '../setup';

describe('password hashing', () => {
  it('hashes with argon2id at 19 MiB, 2 passes, 1 lane, with a fresh salt each time', async () => {
    const hashes = [await hashPassword('correct horse battery'), await hashPassword('correct horse battery')];

    for (const stored of hashes) {
      expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);
      expect(stored).not.toContain('correct horse battery');
    }
    expect(hashes[0]).not.toBe(hashes[1]);
  });

  it('verifies the password it hashed and nothing else', async () => {
    const stored = await hashPassword('correct horse battery');

    expect(await verifyPassword('correct horse battery', stored)).toBe(true);
    expect(await verifyPassword('correct horse batterY', stored)).toBe(false);
    expect(await verifyPassword('', stored)).toBe(false);
  });

  it('treats canonically equivalent Unicode spellings as the same password', async () => {
    const composed = 'caf\u00e9 au lait';
    const decomposed = 'cafe\u0301 au lait';

    expect(await verifyPassword(decomposed, await hashPassword(composed))).toBe(true);
  });

  it('refuses a stored hash in another format without printing it', async () => {
    const sha1 = 'sha1-5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8';

    await expect(verifyPassword('password', sha1)).rejects.toThrow(
      new Error('Stored password hash is in neither the argon2id nor the scrypt format'),
    );
  });

  it.each([
    ['2^15, as auth made them', 2 ** 15],
    ['2^14', 2 ** 14],
  ])('still verifies scrypt hashes made before argon2 (N = %s)', async (_description, cost) => {
    const older = scryptHash('correct horse battery', cost);

    expect(await verifyPassword('correct horse battery', older)).toBe(true);
    expect(await verifyPassword('wrong horse battery', older)).toBe(false);
  });

  it('asks for a new hash for scrypt and other argon2 parameters, not for its own', async () => {
    const weaker = await hash('correct horse battery', { memoryCost: 8 * 1024, timeCost: 2, parallelism: 1 });

    expect(needsRehash(scryptHash('correct horse battery'))).toBe(true);
    expect(needsRehash(weaker)).toBe(true);
    expect(needsRehash(await hashPassword('correct horse battery'))).toBe(false);
  });
});
