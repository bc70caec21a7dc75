/**
 * Shared by the Docker suites: the engine (a clear failure, never a skip, when it is missing:
 * CI runs scripts/ensure-docker.sh first), a unique scope per suite for cleanup, the images.
 */
import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import { connectEngine } from '../../src/docker/engine.js';
import { ensureBaseImage } from '../../src/docker/base-image.js';
import { ensureSshdImage } from '../../src/docker/sshd-image.js';

/** Long enough for a first build of both images on a slow mirror; used by the image hook only. */
export const IMAGE_BUILD_TIMEOUT = 15 * 60_000;

export async function engine(): Promise<Docker> {
  try {
    return await connectEngine();
  } catch (e) {
    throw new Error(`The Docker tests need a running Docker engine: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

/** A scope no other run uses: test-<suite>-<random>. */
export function testScope(suite: string): string {
  return `test-${suite}-${randomBytes(4).toString('hex')}`;
}

/** Progress of an image build goes to the test log (a first build takes a minute or two). */
const progress = (line: string): void => void process.stderr.write(`[docker] ${line}\n`);

export async function baseImage(): Promise<string> {
  return ensureBaseImage({ docker: await engine(), onProgress: progress });
}

export async function sshdImage(): Promise<string> {
  return ensureSshdImage({ docker: await engine(), onProgress: progress });
}
