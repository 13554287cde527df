import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { MESSAGE_ID_PATTERN } from './ids';
import { isStoredMessage, type StoredMessage } from './stored-message';

const EXTENSION = '.json';

/**
 * The messages, one JSON file each (`<id>.json`) in one directory, so that they outlive the
 * process: a new store on the same directory lists the old ones. Files are read once and kept in
 * memory; the directory is listed on every read, so a file deleted by hand is gone from the lists.
 */
export class MessageStore {
  private readonly loaded = new Map<string, StoredMessage>();
  /** Files that are not a stored message, told about once. */
  private readonly unreadable = new Set<string>();

  private constructor(
    private readonly dir: string,
    private readonly log: (message: string) => void,
  ) {}

  /** Creates the directory if it is missing. */
  static async open(dir: string, log: (message: string) => void): Promise<MessageStore> {
    await mkdir(dir, { recursive: true });
    return new MessageStore(dir, log);
  }

  /** Written to a temporary name and renamed: a reader never sees half a message. */
  async save(message: StoredMessage): Promise<void> {
    const file = this.fileOf(message.id);
    await writeFile(`${file}.tmp`, JSON.stringify(message, null, 2));
    await rename(`${file}.tmp`, file);
    this.loaded.set(message.id, message);
  }

  /** Every message, newest first. */
  async list(): Promise<StoredMessage[]> {
    const ids = (await readdir(this.dir))
      .filter((name) => name.endsWith(EXTENSION))
      .map((name) => name.slice(0, -EXTENSION.length))
      .filter((id) => MESSAGE_ID_PATTERN.test(id))
      .sort()
      .reverse();
    const present = new Set(ids);
    for (const id of this.loaded.keys()) if (!present.has(id)) this.loaded.delete(id);
    const messages: StoredMessage[] = [];
    // One after the other: thousands of files at once would run out of file descriptors.
    for (const id of ids) {
      const message = await this.get(id);
      if (message) messages.push(message);
    }
    return messages;
  }

  /** The message with this id; undefined if there is none (or its file cannot be read as one). */
  async get(id: string): Promise<StoredMessage | undefined> {
    if (!MESSAGE_ID_PATTERN.test(id)) return undefined;
    const cached = this.loaded.get(id);
    if (cached) return cached;
    let content: string;
    try {
      content = await readFile(this.fileOf(id), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    let message: unknown;
    try {
      message = JSON.parse(content);
    } catch {
      message = undefined;
    }
    if (!isStoredMessage(message) || message.id !== id) {
      if (!this.unreadable.has(id)) this.log(`skipping ${this.fileOf(id)}: not a stored message`);
      this.unreadable.add(id);
      return undefined;
    }
    this.loaded.set(id, message);
    return message;
  }

  private fileOf(id: string): string {
    return path.join(this.dir, `${id}${EXTENSION}`);
  }
}
