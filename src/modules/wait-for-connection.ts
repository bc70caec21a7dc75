/**
 * wait_for_connection: retries reaching the host (a fresh connect and a trivial command) until it
 * answers or the timeout passes, e.g. after a reboot or while a machine is provisioned. Runs on
 * the controller, since the host may not be reachable when the task starts.
 */
import { defineModule } from './define.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms / 1000} s`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export default defineModule({
  name: 'wait_for_connection',
  controllerOnly: true,
  supportsCheckMode: true,
  refusesAsync: true,
  spec: {
    options: {
      connect_timeout: { type: 'int', default: 5 },
      delay: { type: 'int', default: 0 },
      sleep: { type: 'int', default: 1 },
      timeout: { type: 'int', default: 600 },
    },
  },
  async run(args, ctx) {
    const started = Date.now();
    const timeoutMs = args.timeout * 1000;
    await sleep(args.delay * 1000);
    let lastError: string;
    for (;;) {
      try {
        const conn = await within(ctx.connect(), args.connect_timeout * 1000, 'the connection');
        const r = await within(conn.exec(['true'], { become: ctx.become }), args.connect_timeout * 1000, 'the test command');
        if (r.rc === 0) return { changed: false, elapsed: Math.floor((Date.now() - started) / 1000) };
        lastError = r.stderr.trim() || `rc=${String(r.rc)}`;
      } catch (e) {
        lastError = e instanceof Error ? e.message : String(e);
      }
      if (Date.now() - started >= timeoutMs) {
        return { changed: false, failed: true, elapsed: Math.floor((Date.now() - started) / 1000), msg: `timed out waiting for ping module test: ${lastError}` };
      }
      await sleep(Math.min(args.sleep * 1000, Math.max(0, timeoutMs - (Date.now() - started))));
    }
  },
});
