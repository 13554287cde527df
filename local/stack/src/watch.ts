// Watch mode (`npm run dev`): services restarted when their sources change. The launcher watches
// the folders itself rather than running each service under `node --watch`, whose watch of each
// loaded file is lost when the file is replaced by a rename (a git checkout, many editors' saves):
// later changes to that file then restarted nothing.
import path from 'node:path';
import { watch } from 'chokidar';
import { DEFAULT_RESTART_POLICY, type ChildServer, type RestartPolicy } from './child-server';

/** Files that Node and swc load; an editor's swap and backup files beside them change nothing. */
const LOADED_FILE = /\.(ts|tsx|mts|cts|js|mjs|cjs|json)$/;
/** Long enough for a git checkout of many files to end up as one restart. */
const DEFAULT_QUIET_MS = 200;

/**
 * The restart policy of a program restarted on changes: code that failed to start fails again, so
 * the first failed start gives up, and the next change (see restartOnChanges) starts it again.
 */
export const WATCH_MODE_RESTART_POLICY: RestartPolicy = { ...DEFAULT_RESTART_POLICY, maxFailedStarts: 1 };

export interface SourceWatcherOptions {
  /** Watched with everything below them. */
  dirs: string[];
  /**
   * Told the files created, changed or deleted (and the folders deleted) once the changes have
   * stopped for `quietMs`: a burst of changes is one call.
   */
  onChanges: (files: string[]) => void;
  /** Told when watching fails, e.g. at the system's limit of watches. */
  onError: (error: Error) => void;
  quietMs?: number;
}

export interface SourceWatcher {
  close(): Promise<void>;
}

/**
 * Watches folders with chokidar, which follows a file replaced by a rename; resolves once the
 * folders are scanned, so that every change from then on is told.
 */
export async function watchSources(options: SourceWatcherOptions): Promise<SourceWatcher> {
  const quietMs = options.quietMs ?? DEFAULT_QUIET_MS;
  const watcher = watch(options.dirs, { ignoreInitial: true });
  let changed = new Set<string>();
  let quietTimer: NodeJS.Timeout | undefined;
  watcher.on('all', (event, file) => {
    // A new folder holds no code yet: the files put into it are told one by one.
    if (event === 'addDir') return;
    if (event !== 'unlinkDir' && !LOADED_FILE.test(file)) return;
    changed.add(file);
    clearTimeout(quietTimer);
    quietTimer = setTimeout(() => {
      const files = [...changed];
      changed = new Set();
      options.onChanges(files);
    }, quietMs);
  });
  watcher.on('error', (error) => options.onError(error as Error));
  await new Promise<void>((resolve) => watcher.once('ready', resolve));
  return {
    close: async () => {
      clearTimeout(quietTimer);
      await watcher.close();
    },
  };
}

/** A program restarted when its code changes: one service and its instances. */
export interface WatchedProgram {
  /** Named in the notices: 'orders'. */
  name: string;
  /** Its own folder: changed files are named relative to it. */
  dir: string;
  /** Where its code is: its own and what it loads from source (common/src). */
  sourceDirs: string[];
  /** Restarted one after the other, so that with replicas one of them serves while another restarts. */
  servers: ChildServer[];
}

/**
 * Restarts each program whose sources change: a notice (`orders: src/routes/show.ts changed,
 * restarting`), then each of its servers ended gracefully (SIGTERM) and started again, one after
 * the other. Changes that arrive during a program's restart restart it once more after it.
 */
export async function restartOnChanges(
  programs: WatchedProgram[],
  onNotice: (message: string) => void,
): Promise<SourceWatcher> {
  let closed = false;
  const restarting = new Set<WatchedProgram>();
  const changedFiles = new Map<WatchedProgram, string[]>(programs.map((program) => [program, []]));

  const restart = async (program: WatchedProgram, files: string[]) => {
    const changed = changedFiles.get(program)!;
    changed.push(...files);
    // The restart under way goes round once more for these.
    if (restarting.has(program)) return;
    restarting.add(program);
    while (changed.length > 0 && !closed) {
      const batch = changed.splice(0);
      onNotice(`${program.name}: ${describeFiles(program.dir, batch)} changed, restarting`);
      for (const server of program.servers) {
        // A server that cannot start has said why (its onGiveUp) and waits for the next change.
        await server.restart({ signal: 'SIGTERM' }).catch(() => undefined);
      }
    }
    restarting.delete(program);
  };

  const watcher = await watchSources({
    dirs: [...new Set(programs.flatMap((program) => program.sourceDirs))],
    onChanges: (files) => {
      for (const program of programs) {
        const own = files.filter((file) => program.sourceDirs.some((dir) => isInside(file, dir)));
        if (own.length > 0) void restart(program, own);
      }
    },
    onError: (error) => onNotice(`watching the sources failed: ${error.message}; changes may restart nothing`),
  });
  return {
    close: async () => {
      closed = true;
      await watcher.close();
    },
  };
}

/** `src/routes/show.ts`, or `src/routes/show.ts and 3 more`. */
function describeFiles(dir: string, files: string[]): string {
  const first = path.relative(dir, files[0]);
  return files.length === 1 ? first : `${first} and ${files.length - 1} more`;
}

function isInside(file: string, dir: string): boolean {
  const relative = path.relative(dir, file);
  return relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative);
}
