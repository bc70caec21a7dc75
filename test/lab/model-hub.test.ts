/**
 * The model hub on a lab node, with the real clients: modelscope and huggingface_hub installed
 * offline from the wheelhouse into a venv of the node's python3, pointed at the mirror through the
 * inventory's hf_endpoint / modelscope_endpoint (HF_ENDPOINT, MODELSCOPE_ENDPOINT), download
 * Qwen/Qwen3-0.6B byte for byte as seed-model writes it; a second download finds the files there;
 * an unknown id fails with the client's own not-found error.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Lab } from '../../src/lab/index.js';
import { HUB_CLIENT_REQUIREMENTS, ensureWheelhouse } from '../../src/lab/wheelhouse.js';
import { IMAGE_BUILD_TIMEOUT, engine, testScope } from '../docker/support.js';

const name = `h${testScope('hub').slice(-8)}`;
const stateRoot = mkdtempSync(path.join(tmpdir(), 'pb-hub-state-'));
const progress = (line: string): void => void process.stderr.write(`[hub] ${line}\n`);
const VENV = '/home/playbook/hub-venv';
const FILES = ['config.json', 'generation_config.json', 'merges.txt', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json', 'vocab.json'];

let lab: Lab;
/** The inventory's variables for the hub. */
let vars: Record<string, string> = {};
/** sha256 of each file seed-model writes for the model, by name. */
let seeded: Record<string, string> = {};

interface Ran {
  rc: number | null;
  out: string;
}

/** A shell command on node1 as the lab's user, with the hub's endpoints from the inventory. */
async function sh(command: string, timeoutMs = 120_000): Promise<Ran> {
  const r = await lab.exec('node1', ['/bin/bash', '-c', command], {
    user: 'playbook',
    timeoutMs,
    // As a role on an offline server sets them: no daily update check of `hf` against pypi.org
    // (which waits for DNS on a node without internet), no progress bars in the log.
    env: {
      HOME: '/home/playbook',
      HF_ENDPOINT: vars['hf_endpoint'] ?? '',
      MODELSCOPE_ENDPOINT: vars['modelscope_endpoint'] ?? '',
      HF_HUB_DISABLE_UPDATE_CHECK: '1',
      HF_HUB_DISABLE_PROGRESS_BARS: '1',
      NO_COLOR: '1',
    },
  });
  return { rc: r.rc, out: `${r.stdout}${r.stderr}` };
}

/** sha256 of every file of a folder (its top level, the client's own .cache aside; links followed, as in huggingface_hub's cache), by name. */
async function hashes(dir: string): Promise<Record<string, string>> {
  const r = await sh(`cd '${dir}' && find -L . -maxdepth 1 -type f -printf '%f\\n' | sort | xargs -r sha256sum`);
  expect(r.rc, r.out).toBe(0);
  return Object.fromEntries(r.out.trim().split('\n').filter(Boolean).map((l) => { const [sum, file] = l.split(/\s+/); return [file ?? '', sum ?? '']; }));
}

/** inode and modification time of every file: unchanged when a download is a no-op. */
async function identity(dir: string): Promise<string> {
  const r = await sh(`cd '${dir}' && stat -c '%n %i %.9Y' ${FILES.join(' ')}`);
  expect(r.rc, r.out).toBe(0);
  return r.out;
}

beforeAll(async () => {
  const docker = await engine();
  const wheelhouse = await ensureWheelhouse({ onProgress: (l) => progress(`wheelhouse: ${l}`) });
  // The guide's model, and a second one seeded the same way (another name, 1 MiB).
  lab = await Lab.up({ name, nodes: 1, gpusPerNode: 1, wheelhouse, stateRoot, docker, hubModels: [{ id: 'Qwen/Qwen3-0.6B' }, { id: 'lab/tiny', sizeMb: 1 }], onProgress: progress });
  const ini = readFileSync(lab.inventoryPath, 'utf8');
  vars = Object.fromEntries([...ini.matchAll(/^(hf_endpoint|modelscope_endpoint|lab_hub_models)=(.*)$/gm)].map((m) => [m[1] ?? '', m[2] ?? '']));
  const seed = await lab.seedModel('node1', '/tmp/seeded/Qwen3-0.6B');
  expect(seed.files.sort()).toEqual(FILES);
  const r = await lab.exec('node1', ['/bin/sh', '-c', 'cd /tmp/seeded/Qwen3-0.6B && sha256sum *']);
  seeded = Object.fromEntries(r.stdout.trim().split('\n').map((l) => { const [sum, file] = l.split(/\s+/); return [file ?? '', sum ?? '']; }));
  expect(Object.keys(seeded).sort()).toEqual(FILES);
}, IMAGE_BUILD_TIMEOUT);

afterAll(async () => {
  await lab?.down();
  rmSync(stateRoot, { recursive: true, force: true });
}, 120_000);

describe('the model hub on a lab node', () => {
  test('the inventory and `lab status` name the hub\'s endpoints and models', async () => {
    expect(vars).toEqual({ hf_endpoint: 'http://mirror.lab:8081', modelscope_endpoint: 'http://mirror.lab:8082', lab_hub_models: 'Qwen/Qwen3-0.6B,lab/tiny' });
    expect((await lab.status()).mirror?.hub).toEqual({ hfEndpoint: 'http://mirror.lab:8081', modelscopeEndpoint: 'http://mirror.lab:8082', models: ['Qwen/Qwen3-0.6B', 'lab/tiny'] });
    // `lab inventory` (written again from the running lab and lab.json) says the same.
    const again = readFileSync(await lab.writeInventory(), 'utf8');
    expect(again.match(/^(hf_endpoint|modelscope_endpoint|lab_hub_models)=.*$/gm)).toEqual(['hf_endpoint=http://mirror.lab:8081', 'modelscope_endpoint=http://mirror.lab:8082', 'lab_hub_models=Qwen/Qwen3-0.6B,lab/tiny']);
  });

  test('pip installs both clients from the wheelhouse, offline, into a venv of the node\'s python3', async () => {
    const r = await sh(`python3 -m venv ${VENV} && ${VENV}/bin/pip install --progress-bar off ${HUB_CLIENT_REQUIREMENTS.join(' ')} && ${VENV}/bin/pip list --format=freeze`, 300_000);
    expect(r.rc, r.out).toBe(0);
    const canonical = (text: string): string => text.toLowerCase().replace(/[-_.]+/g, '-');
    for (const req of HUB_CLIENT_REQUIREMENTS) expect(canonical(r.out)).toContain(canonical(req));
    // Nothing heavy came along.
    expect(r.out).not.toMatch(/^(torch|transformers|datasets|numpy)==/im);
    // And they fit in one environment with Ray and the vLLM stand-in (the two groups were resolved apart).
    const together = await sh(`${VENV}/bin/pip install --dry-run 'ray[default]==2.53.0' vllm ${HUB_CLIENT_REQUIREMENTS.join(' ')}`, 300_000);
    expect(together.rc, together.out).toBe(0);
    expect(together.out).toMatch(/^Would install .*\bray-2\.53\.0\b/m);
  }, 300_000);

  test('in an environment of the conda stand-in, pip installs both clients too, and `conda run` downloads', async () => {
    const r = await sh([
      'bash /opt/lab/wheelhouse/Miniforge3-Linux-x86_64.sh -b -p ~/miniforge3 >/dev/null',
      '~/miniforge3/bin/conda create -n model-sync python=3.11 pip -y -q >/dev/null',
      `~/miniforge3/bin/conda run -n model-sync pip install --progress-bar off ${HUB_CLIENT_REQUIREMENTS.join(' ')} >/dev/null`,
      '~/miniforge3/bin/conda run -n model-sync hf download Qwen/Qwen3-0.6B --local-dir /tmp/conda-hf',
      '~/miniforge3/bin/conda run -n model-sync modelscope download --model Qwen/Qwen3-0.6B --local_dir /tmp/conda-ms',
    ].join(' && '), 300_000);
    expect(r.rc, r.out).toBe(0);
    expect(await hashes('/tmp/conda-hf')).toEqual(seeded);
    expect(await hashes('/tmp/conda-ms')).toEqual(seeded);
  }, 300_000);

  test('`modelscope download` writes the files seed-model writes, byte for byte; again, it finds them there', async () => {
    const first = await sh(`${VENV}/bin/modelscope download --model Qwen/Qwen3-0.6B --local_dir /tmp/ms/Qwen3-0.6B`);
    expect(first.rc, first.out).toBe(0);
    expect(first.out).toContain('Snapshot ready at /tmp/ms/Qwen3-0.6B');
    expect(await hashes('/tmp/ms/Qwen3-0.6B')).toEqual(seeded);
    const before = await identity('/tmp/ms/Qwen3-0.6B');
    const again = await sh(`${VENV}/bin/modelscope download --model Qwen/Qwen3-0.6B --local_dir /tmp/ms/Qwen3-0.6B`);
    expect(again.rc, again.out).toBe(0);
    expect(await identity('/tmp/ms/Qwen3-0.6B')).toBe(before);
  }, 180_000);

  test('`hf download` writes the files seed-model writes, byte for byte; again, it finds them there', async () => {
    const first = await sh(`${VENV}/bin/hf download Qwen/Qwen3-0.6B --local-dir /tmp/hf/Qwen3-0.6B`);
    expect(first.rc, first.out).toBe(0);
    expect(await hashes('/tmp/hf/Qwen3-0.6B')).toEqual(seeded);
    const before = await identity('/tmp/hf/Qwen3-0.6B');
    const again = await sh(`${VENV}/bin/hf download Qwen/Qwen3-0.6B --local-dir /tmp/hf/Qwen3-0.6B`);
    expect(again.rc, again.out).toBe(0);
    expect(await identity('/tmp/hf/Qwen3-0.6B')).toBe(before);
  }, 180_000);

  test('snapshot_download of both libraries, into a folder and into their caches', async () => {
    const script = [
      'from modelscope import snapshot_download as ms',
      'from huggingface_hub import snapshot_download as hf',
      "print(ms('Qwen/Qwen3-0.6B', local_dir='/tmp/py-ms'))",
      "print(hf('Qwen/Qwen3-0.6B', local_dir='/tmp/py-hf'))",
      "print(ms('Qwen/Qwen3-0.6B'))",
      "print(hf('Qwen/Qwen3-0.6B'))",
    ].join('\n');
    const r = await sh(`${VENV}/bin/python - <<'EOF'\n${script}\nEOF`);
    expect(r.rc, r.out).toBe(0);
    const lines = r.out.trim().split('\n').filter((l) => l.startsWith('/'));
    const [msCache, hfCache] = lines.slice(-2);
    expect(msCache).toBe('/home/playbook/.cache/modelscope/models/Qwen--Qwen3-0.6B/snapshots/master');
    expect(hfCache).toMatch(/^\/home\/playbook\/\.cache\/huggingface\/hub\/models--Qwen--Qwen3-0\.6B\/snapshots\/[0-9a-f]{40}$/);
    for (const dir of ['/tmp/py-ms', '/tmp/py-hf', msCache ?? '', hfCache ?? '']) expect(await hashes(dir), dir).toEqual(seeded);
  }, 180_000);

  test('another model of the catalogue is what seed-model writes with its name and size', async () => {
    const seed = await lab.seedModel('node1', '/tmp/seeded/tiny', { sizeMb: 1 });
    expect(seed.name).toBe('tiny');
    const r = await lab.exec('node1', ['/bin/sh', '-c', 'cd /tmp/seeded/tiny && sha256sum *']);
    const tiny = Object.fromEntries(r.stdout.trim().split('\n').map((l) => { const [sum, file] = l.split(/\s+/); return [file ?? '', sum ?? '']; }));
    expect(tiny['model.safetensors']).not.toBe(seeded['model.safetensors']);
    for (const cmd of [`${VENV}/bin/hf download lab/tiny --local-dir /tmp/hf/tiny`, `${VENV}/bin/modelscope download --model lab/tiny --local_dir /tmp/ms/tiny`]) {
      const got = await sh(cmd);
      expect(got.rc, got.out).toBe(0);
    }
    expect(await hashes('/tmp/hf/tiny')).toEqual(tiny);
    expect(await hashes('/tmp/ms/tiny')).toEqual(tiny);
  }, 120_000);

  test('an unknown model id fails with each client\'s own not-found error', async () => {
    const ms = await sh(`${VENV}/bin/modelscope download --model Lab/no-such-model --local_dir /tmp/ms/none`);
    expect(ms.rc).not.toBe(0);
    expect(ms.out).toContain('[404] Model does not exist.');
    const hf = await sh(`${VENV}/bin/hf download Lab/no-such-model --local-dir /tmp/hf/none`);
    expect(hf.rc).not.toBe(0);
    expect(hf.out).toContain("Error: Model 'Lab/no-such-model' not found.");
    const py = await sh(`${VENV}/bin/python -c "from huggingface_hub import snapshot_download; snapshot_download('Lab/no-such-model')"`);
    expect(py.rc).not.toBe(0);
    expect(py.out).toContain('huggingface_hub.errors.RepositoryNotFoundError');
    expect(py.out).toContain('Repository Not Found for url: http://mirror.lab:8081/api/models/Lab/no-such-model/revision/main.');
  }, 120_000);
});
