/**
 * The lab's package mirror, the intranet case: a small container of the base image serving over
 * HTTP, on the management network, reachable from every node as http://mirror.lab:8080/: the
 * wheelhouse at / (the conda role downloads the installer from it; pip reads the same wheels from
 * the read-only mount at /opt/lab/wheelhouse) and the apt repository at /debian/ (the nodes' only
 * apt source). The same process serves the model hub (lab/hub/hub.py, in threads): the Hugging Face
 * Hub API at http://mirror.lab:8081 (HF_ENDPOINT) and ModelScope's at http://mirror.lab:8082
 * (MODELSCOPE_ENDPOINT), for the real clients, with the lab's synthetic models (seed-model's files).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import type Docker from 'dockerode';
import { ContainerBuilder } from '../docker/container.js';
import { LAB_DIR } from '../docker/recipe.js';
import { APT_REPO_PATH } from './apt-repo.js';
import { Wait } from '../docker/wait.js';
import {
  CONDA_INSTALLER,
  CONFIG_LABEL,
  DEFAULT_HUB_MODELS,
  HF_HUB_PORT,
  type HubModel,
  LAB_LABEL,
  MIRROR_HOST,
  MIRROR_PORT,
  MODELSCOPE_HUB_PORT,
  ROLE_LABEL,
  type LabResourceNames,
  checkHubModel,
  labFilter,
} from './names.js';

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
  /** The models the hub serves (default DEFAULT_HUB_MODELS). */
  hubModels?: readonly HubModel[];
  /** lab/ to take the hub and seed-model from (default this package's). */
  labDir?: string;
}

/** The model hub's endpoints as the nodes reach them, and the ids it serves. */
export interface ModelHub {
  /** For huggingface_hub: HF_ENDPOINT. */
  hfEndpoint: string;
  /** For modelscope: MODELSCOPE_ENDPOINT (the scheme is needed: a bare host means https). */
  modelscopeEndpoint: string;
  models: string[];
}

export interface Mirror {
  container: string;
  /** http://mirror.lab:8080/ as the nodes reach it. */
  url: string;
  condaInstaller?: { url: string; sha256: string };
  hub?: ModelHub;
}

export const MIRROR_URL = `http://${MIRROR_HOST}:${MIRROR_PORT}/`;
export const HF_ENDPOINT = `http://${MIRROR_HOST}:${HF_HUB_PORT}`;
export const MODELSCOPE_ENDPOINT = `http://${MIRROR_HOST}:${MODELSCOPE_HUB_PORT}`;

/** Where the mirror container sees lab/hub and lab/standins. */
const HUB_DIR = '/opt/lab/hub';
const STANDINS_DIR = '/opt/lab/standins';

/**
 * http.server with two roots: /debian/ from the apt repository, everything else from the wheelhouse;
 * with a second argument (the hub's configuration, JSON), the model hub in threads of the same process.
 */
const MIRROR_SERVER = `
import http.server, json, sys
class Handler(http.server.SimpleHTTPRequestHandler):
    def translate_path(self, path):
        self.directory, rest = "/srv/mirror", path
        if path == "/${APT_REPO_PATH}" or path.startswith("/${APT_REPO_PATH}/"):
            self.directory, rest = "/srv/${APT_REPO_PATH}", path[len("/${APT_REPO_PATH}"):] or "/"
        return super().translate_path(rest)
if len(sys.argv) > 2:
    sys.path.insert(0, "${HUB_DIR}")
    import hub
    hub.start(json.loads(sys.argv[2]))
http.server.ThreadingHTTPServer(("0.0.0.0", int(sys.argv[1])), Handler).serve_forever()
`;

/** The configuration lab/hub/hub.py's start() takes, for the models asked. */
export function hubServerConfig(models: readonly HubModel[]): { hf_port: number; modelscope_port: number; seed_model: string; models: { id: string; name: string; size_mb: number }[] } {
  const seen = new Set<string>();
  const list = models.map(checkHubModel).map((m) => {
    if (seen.has(m.id)) throw new Error(`hub model ${m.id} is listed twice`);
    seen.add(m.id);
    return { id: m.id, name: m.name ?? m.id.split('/').pop() ?? m.id, size_mb: m.sizeMb ?? 50 };
  });
  return { hf_port: HF_HUB_PORT, modelscope_port: MODELSCOPE_HUB_PORT, seed_model: `${STANDINS_DIR}/seed-model`, models: list };
}

/** The hub's endpoints and ids for the inventory. */
export function modelHub(models: readonly HubModel[] = DEFAULT_HUB_MODELS): ModelHub {
  return { hfEndpoint: HF_ENDPOINT, modelscopeEndpoint: MODELSCOPE_ENDPOINT, models: models.map((m) => m.id) };
}

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

/** Everything the mirror container is made from, the hub's sources and models included. */
async function mirrorConfigHash(ctx: MirrorContext, hubConfig: string): Promise<string> {
  const labDir = ctx.labDir ?? LAB_DIR;
  const h = createHash('sha256').update([ctx.image, ctx.wheelhouse, ctx.aptRepo, ...ctx.networkIds, hubConfig].join('\n'));
  for (const file of [path.join(labDir, 'hub', 'hub.py'), path.join(labDir, 'standins', 'seed-model')]) h.update('\0').update(await readFile(file));
  return h.digest('hex').slice(0, 16);
}

/** Starts the mirror, or keeps the running one made from the same image, wheelhouse and networks. */
export async function ensureMirror(ctx: MirrorContext, onProgress: (line: string) => void): Promise<Mirror> {
  const labDir = ctx.labDir ?? LAB_DIR;
  const models = ctx.hubModels ?? DEFAULT_HUB_MODELS;
  const hubConfig = JSON.stringify(hubServerConfig(models));
  const config = await mirrorConfigHash(ctx, hubConfig);
  const found = await ctx.docker.listContainers({ all: true, filters: labFilter(ctx.labName, 'mirror') });
  let keep = false;
  for (const c of found) {
    if (c.Labels[CONFIG_LABEL] === config && c.State === 'running' && !keep) keep = true;
    else await ctx.docker.getContainer(c.Id).remove({ force: true, v: true });
  }
  if (!keep) {
    onProgress(`starting the package mirror ${ctx.names.mirror} (${MIRROR_URL} serving ${ctx.wheelhouse}; model hub ${HF_ENDPOINT} and ${MODELSCOPE_ENDPOINT} serving ${models.map((m) => m.id).join(', ')})…`);
    await new ContainerBuilder(ctx.image)
      .withScope(ctx.names.scope)
      .withLabels({ [LAB_LABEL]: ctx.labName, [ROLE_LABEL]: 'mirror', [CONFIG_LABEL]: config })
      .withName(ctx.names.mirror)
      .withHostname('mirror')
      .withNetwork(ctx.names.management, { aliases: [MIRROR_HOST, 'mirror'] })
      .withMount({ source: ctx.wheelhouse, target: '/srv/mirror', readOnly: true })
      .withMount({ source: ctx.aptRepo, target: `/srv/${APT_REPO_PATH}`, readOnly: true })
      .withMount({ source: path.join(labDir, 'hub'), target: HUB_DIR, readOnly: true })
      .withMount({ source: path.join(labDir, 'standins'), target: STANDINS_DIR, readOnly: true })
      .withEnv({ PYTHONDONTWRITEBYTECODE: '1' })
      .withUser('65534:65534')
      .withCommand(['python3', '-c', MIRROR_SERVER, String(MIRROR_PORT), hubConfig])
      .withWaitStrategy(Wait.all(Wait.forListeningPort(HF_HUB_PORT), Wait.forListeningPort(MODELSCOPE_HUB_PORT), Wait.forListeningPort(MIRROR_PORT)))
      .withStartupTimeout(ctx.startupTimeoutMs)
      .start(ctx.docker);
  }
  return describeMirror(ctx.names.mirror, ctx.wheelhouse, models);
}

/** The mirror as the inventory names it: its URLs, the conda installer's checksum, the hub. */
export async function describeMirror(container: string, wheelhouse: string, hubModels: readonly HubModel[] = DEFAULT_HUB_MODELS): Promise<Mirror> {
  const conda = await findCondaInstaller(wheelhouse);
  return {
    container,
    url: MIRROR_URL,
    ...(conda ? { condaInstaller: { url: `${MIRROR_URL}${conda.relPath}`, sha256: conda.sha256 } } : {}),
    hub: modelHub(hubModels),
  };
}
