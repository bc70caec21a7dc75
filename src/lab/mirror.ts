/**
 * The lab's package mirror, the intranet case: a small container of the base image serving over
 * HTTP, on the management network, reachable from every node as http://mirror.lab:8080/: the
 * wheelhouse at / (the conda role downloads the installer from it; pip reads the same wheels from
 * the read-only mount at /opt/lab/wheelhouse) and the apt repository at /debian/ (the nodes' only
 * apt source).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';
import type Docker from 'dockerode';
import { ContainerBuilder } from '../docker/container.js';
import { APT_REPO_PATH } from './apt-repo.js';
import { Wait } from '../docker/wait.js';
import { CONDA_INSTALLER, CONFIG_LABEL, LAB_LABEL, MIRROR_HOST, MIRROR_PORT, ROLE_LABEL, type LabResourceNames, labFilter } from './names.js';

export interface MirrorContext {
  docker: Docker;
  labName: string;
  names: LabResourceNames;
  /** The base image (it has python3). */
  image: string;
  wheelhouse: string;
  /** The flat apt repository (ensureAptRepo), served at /debian/. */
  aptRepo: string;
  networkIds: string[];
  startupTimeoutMs: number;
}

export interface Mirror {
  container: string;
  /** http://mirror.lab:8080/ as the nodes reach it. */
  url: string;
  condaInstaller?: { url: string; sha256: string };
}

export const MIRROR_URL = `http://${MIRROR_HOST}:${MIRROR_PORT}/`;

/** http.server with two roots: /debian/ from the apt repository, everything else from the wheelhouse. */
const MIRROR_SERVER = `
import http.server, sys
class Handler(http.server.SimpleHTTPRequestHandler):
    def translate_path(self, path):
        self.directory, rest = "/srv/mirror", path
        if path == "/${APT_REPO_PATH}" or path.startswith("/${APT_REPO_PATH}/"):
            self.directory, rest = "/srv/${APT_REPO_PATH}", path[len("/${APT_REPO_PATH}"):] or "/"
        return super().translate_path(rest)
http.server.ThreadingHTTPServer(("0.0.0.0", int(sys.argv[1])), Handler).serve_forever()
`;

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

export function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(file)
      .on('data', (d) => h.update(d))
      .once('error', reject)
      .once('end', () => resolve(h.digest('hex')));
  });
}

/** The conda installer stand-in in the wheelhouse (at its top or under conda/), with its sha256. */
export async function findCondaInstaller(wheelhouse: string): Promise<{ relPath: string; sha256: string } | undefined> {
  for (const relPath of [CONDA_INSTALLER, `conda/${CONDA_INSTALLER}`]) {
    const file = path.join(wheelhouse, relPath);
    if (await exists(file)) return { relPath, sha256: await sha256File(file) };
  }
  return undefined;
}

function mirrorConfigHash(ctx: MirrorContext): string {
  return createHash('sha256').update([ctx.image, ctx.wheelhouse, ctx.aptRepo, ...ctx.networkIds].join('\n')).digest('hex').slice(0, 16);
}

/** Starts the mirror, or keeps the running one made from the same image, wheelhouse and networks. */
export async function ensureMirror(ctx: MirrorContext, onProgress: (line: string) => void): Promise<Mirror> {
  const config = mirrorConfigHash(ctx);
  const found = await ctx.docker.listContainers({ all: true, filters: labFilter(ctx.labName, 'mirror') });
  let keep = false;
  for (const c of found) {
    if (c.Labels[CONFIG_LABEL] === config && c.State === 'running' && !keep) keep = true;
    else await ctx.docker.getContainer(c.Id).remove({ force: true, v: true });
  }
  if (!keep) {
    onProgress(`starting the package mirror ${ctx.names.mirror} (${MIRROR_URL} serving ${ctx.wheelhouse})…`);
    await new ContainerBuilder(ctx.image)
      .withScope(ctx.names.scope)
      .withLabels({ [LAB_LABEL]: ctx.labName, [ROLE_LABEL]: 'mirror', [CONFIG_LABEL]: config })
      .withName(ctx.names.mirror)
      .withHostname('mirror')
      .withNetwork(ctx.names.management, { aliases: [MIRROR_HOST, 'mirror'] })
      .withMount({ source: ctx.wheelhouse, target: '/srv/mirror', readOnly: true })
      .withMount({ source: ctx.aptRepo, target: `/srv/${APT_REPO_PATH}`, readOnly: true })
      .withUser('65534:65534')
      .withCommand(['python3', '-c', MIRROR_SERVER, String(MIRROR_PORT)])
      .withWaitStrategy(Wait.forListeningPort(MIRROR_PORT))
      .withStartupTimeout(ctx.startupTimeoutMs)
      .start(ctx.docker);
  }
  const conda = await findCondaInstaller(ctx.wheelhouse);
  return {
    container: ctx.names.mirror,
    url: MIRROR_URL,
    ...(conda ? { condaInstaller: { url: `${MIRROR_URL}${conda.relPath}`, sha256: conda.sha256 } } : {}),
  };
}
