import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { TransportError } from '../core/errors.js';

/** True while a process with this pid exists (signal 0 only checks). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the exclusive lock of a PGlite data directory: a pid file beside it, created with
 * `O_EXCL`. Two PGlite instances on one directory silently lose data, so a second opener (in
 * this or another process) is refused; a lock whose process is gone is taken over. Returns the
 * release function.
 */
export function lockDataDir(dataDir: string): () => void {
  const path = `${dataDir.replace(/[/\\]+$/, '')}.lock`;
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number.parseInt(readFileSync(path, 'utf8'), 10);
      if (Number.isInteger(owner) && owner > 0 && alive(owner)) {
        throw new TransportError('CONFIG_INVALID', `the PGlite data directory ${dataDir} is open in process ${owner}${owner === process.pid ? ' (this one)' : ''}; PGlite allows one opener per directory`, {
          field: 'pglite',
          retryable: false,
          details: { lockFile: path, pid: owner },
        });
      }
      // The owner is gone (crashed): its lock is stale.
      rmSync(path, { force: true });
    }
  }
  throw new TransportError('CONFIG_INVALID', `could not lock the PGlite data directory ${dataDir}`, { field: 'pglite' });
}
