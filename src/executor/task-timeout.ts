/**
 * The `timeout:` task keyword: a module call that runs longer fails the task, with Ansible's
 * result. As in Ansible, what the module started on the host is not killed.
 */
import type { ModuleResult } from '../modules/types.js';

/** The seconds from a templated `timeout:` value; undefined for none or 0, a message when invalid. */
export function taskTimeout(value: unknown): number | string | undefined {
  if (value === undefined || value === null) return undefined;
  const seconds = Number(value);
  if (!Number.isInteger(seconds) || seconds < 0) return `timeout must be a whole number of seconds, got ${JSON.stringify(value)}`;
  return seconds === 0 ? undefined : seconds;
}

export async function withTimeout(seconds: number, call: () => Promise<ModuleResult>): Promise<ModuleResult> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<ModuleResult>((resolve) => {
    timer = setTimeout(() => resolve({ changed: false, failed: true, msg: `Task failed: Timed out after ${seconds} second(s).`, timedout: { period: seconds } }), seconds * 1000);
  });
  try {
    return await Promise.race([call(), expired]);
  } finally {
    clearTimeout(timer);
  }
}
