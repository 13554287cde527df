import { scryptSync } from 'node:crypto';
import { hashPassword, verifyPassword } from '../../src/models/password';

describe('password hashing', () => {
  it('verifies the password it hashed and nothing else', async () => {
    const hash = await hashPassword('correct horse battery');

    expect(await verifyPassword('correct horse battery', hash)).toBe(true);
    expect(await verifyPassword('correct horse batterY', hash)).toBe(false);
    expect(await verifyPassword('', hash)).toBe(false);
  });

  it('treats canonically equivalent Unicode spellings as the same password', async () => {
    const composed = 'caf\u00e9 au lait';
    const decomposed = 'cafe\u0301 au lait';

    expect(await verifyPassword(decomposed, await hashPassword(composed))).toBe(true);
  });

  it('refuses a stored hash in another format without printing it', async () => {
    await expect(verifyPassword('password', 'sha1-5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8')).rejects.toThrow(
      'Stored password hash is not in the scrypt format',
    );
  });

  it('verifies hashes made with other scrypt parameters, as stored in the hash', async () => {
    const salt = Buffer.from('0123456789abcdef');
    const key = scryptSync('correct horse battery', salt, 32, { N: 2 ** 14, r: 8, p: 1 });
    const olderHash = `scrypt$${2 ** 14}$8$1$${salt.toString('base64')}$${key.toString('base64')}`;

    expect(await verifyPassword('correct horse battery', olderHash)).toBe(true);
    expect(await verifyPassword('wrong horse battery', olderHash)).toBe(false);
  });
});
