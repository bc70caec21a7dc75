/**
 * A lock between processes on this machine (test workers, two `lab up` at once) around an image
 * build, so the same image is not built twice side by side. A directory holding the owner's pid
 * is the lock; it is prepared aside and renamed into place (atomic, and never seen without its
 * pid). A lock whose owner is gone is taken over.
 */
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function owner(dir: string): Promise<number | undefined> {
  try {
    const pid = Number((await readFile(path.join(dir, 'pid'), 'utf8')).trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Runs `fn` holding the lock `name`. `onWait` is called once when another process holds it; the
 * wait is bounded by `timeoutMs` (a build that long is stuck).
 */
export async function withBuildLock<T>(name: string, fn: () => Promise<T>, options: { timeoutMs?: number; onWait?: (pid: number | undefined) => void } = {}): Promise<T> {
  const dir = path.join(tmpdir(), `playbook-lock-${name.replace(/[^A-Za-z0-9_.-]/g, '_')}`);
  const deadline = Date.now() + (options.timeoutMs ?? 20 * 60_000);
  let told = false;
  let unreadable = 0;
  for (;;) {
    const staged = await mkdtemp(`${dir}.staging-`);
    await writeFile(path.join(staged, 'pid'), String(process.pid));
    try {
      await rename(staged, dir);
      break;
    } catch (e) {
      await rm(staged, { recursive: true, force: true });
      if (!['EEXIST', 'ENOTEMPTY'].includes((e as NodeJS.ErrnoException).code ?? '')) throw e;
    }
    const pid = await owner(dir);
    // Unreadable pid: the lock was released between our rename and the read (try again at once),
    // or it is not one of ours (taken over after a few tries).
    if (pid === undefined && ++unreadable < 5) continue;
    if (pid === undefined || !alive(pid)) {
      await rm(dir, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`waited too long for ${name}: process ${pid ?? '?'} holds ${dir} (remove it if that process is stuck)`);
    if (!told) {
      told = true;
      options.onWait?.(pid);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  try {
    return await fn();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
