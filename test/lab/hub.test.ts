/**
 * The lab's model hub without Docker: lab/hub/hub.py run on this machine against seed-model's
 * files (the API answers the real clients read: ids, hashes, headers, ranges, the hubs' errors),
 * its configuration and inventory variables, and the wheelhouse groups that carry the clients.
 * The real clients against it on a lab node are in model-hub.test.ts.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { formatStatus } from '../../src/cli/lab.js';
import { loadInventory } from '../../src/inventory/index.js';
import { renderInventory } from '../../src/lab/inventory.js';
import { hubServerConfig, modelHub } from '../../src/lab/mirror.js';
import { checkHubModel } from '../../src/lab/names.js';
import { HUB_CLIENT_REQUIREMENTS, RAY_REQUIREMENT, downloadGroups, downloadKey, wheelhouseKey } from '../../src/lab/wheelhouse.js';
import { Background, LAB, PYTHON, STANDINS, freePort, run, waitFor } from './standins-helpers.js';

const HUB = path.join(LAB, 'hub', 'hub.py');
const SEED_MODEL = path.join(STANDINS, 'seed-model');
const work = mkdtempSync(path.join(tmpdir(), 'pb-hub-'));
const SIZE_MB = 3;
/** What seed-model writes for the model, name by name. */
const expected = new Map<string, Buffer>();
let hub: Background;
let hf = '';
let ms = '';

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const gitBlob = (b: Buffer): string => createHash('sha1').update(Buffer.concat([Buffer.from(`blob ${b.length}\0`), b])).digest('hex');

beforeAll(async () => {
  const dir = path.join(work, 'seeded', 'Qwen3-0.6B');
  const seeded = run(PYTHON, [SEED_MODEL, dir, '--size-mb', String(SIZE_MB)]);
  expect(seeded.code, seeded.stderr).toBe(0);
  for (const name of readdirSync(dir)) expected.set(name, readFileSync(path.join(dir, name)));
  const [hfPort, msPort] = [await freePort(), await freePort()];
  const models = JSON.stringify([{ id: 'Qwen/Qwen3-0.6B', name: 'Qwen3-0.6B', size_mb: SIZE_MB }, { id: 'lab/other', size_mb: 1 }]);
  hub = new Background(PYTHON, [HUB, '--host', '127.0.0.1', '--hf-port', String(hfPort), '--modelscope-port', String(msPort), '--seed-model', SEED_MODEL, '--models', models], process.env);
  hf = `http://127.0.0.1:${hfPort}`;
  ms = `http://127.0.0.1:${msPort}`;
  await waitFor('the hub', async () => ((await fetch(`${ms}/`).catch(() => undefined)) ? true : undefined), 15_000, hub);
  await waitFor('the hub', async () => ((await fetch(`${hf}/`).catch(() => undefined)) ? true : undefined), 15_000, hub);
}, 60_000);

afterAll(async () => {
  await hub?.stop();
  rmSync(work, { recursive: true, force: true });
});

async function get(url: string, init: RequestInit = {}): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(15_000) });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

const json = (b: Buffer): any => JSON.parse(b.toString('utf8'));

describe('the Hugging Face Hub API', () => {
  test('model info: the commit as sha, the files as siblings (with sizes, blob ids and LFS with blobs=true)', async () => {
    const info = await get(`${hf}/api/models/Qwen/Qwen3-0.6B/revision/main`);
    expect(info.status).toBe(200);
    const body = json(info.body);
    expect(body).toMatchObject({ id: 'Qwen/Qwen3-0.6B', modelId: 'Qwen/Qwen3-0.6B', author: 'Qwen', private: false, gated: false });
    expect(body.sha).toMatch(/^[0-9a-f]{40}$/);
    expect(body.siblings.map((s: { rfilename: string }) => s.rfilename).sort()).toEqual([...expected.keys()].sort());
    // The same commit for the branch without a revision, for `master`, and for the commit itself.
    for (const url of [`${hf}/api/models/Qwen/Qwen3-0.6B`, `${hf}/api/models/Qwen/Qwen3-0.6B/revision/master`, `${hf}/api/models/Qwen/Qwen3-0.6B/revision/${body.sha}`]) {
      expect(json((await get(url)).body).sha, url).toBe(body.sha);
    }
    const blobs = json((await get(`${hf}/api/models/Qwen/Qwen3-0.6B?blobs=true`)).body);
    const weights = blobs.siblings.find((s: { rfilename: string }) => s.rfilename === 'model.safetensors');
    const data = expected.get('model.safetensors') ?? Buffer.alloc(0);
    expect(weights).toMatchObject({ size: data.length, lfs: { sha256: sha256(data), size: data.length } });
    const config = blobs.siblings.find((s: { rfilename: string }) => s.rfilename === 'config.json');
    expect(config).toEqual({ rfilename: 'config.json', size: expected.get('config.json')?.length, blobId: gitBlob(expected.get('config.json') ?? Buffer.alloc(0)) });
  });

  test('the tree lists every file with its git blob id, size, and LFS sha256 for the weights', async () => {
    const info = json((await get(`${hf}/api/models/Qwen/Qwen3-0.6B`)).body);
    const tree = await get(`${hf}/api/models/Qwen/Qwen3-0.6B/tree/${info.sha}?recursive=true&expand=false`);
    expect(tree.status).toBe(200);
    const entries = json(tree.body) as { type: string; path: string; size: number; oid: string; lfs?: { oid: string; size: number; pointerSize: number } }[];
    expect(entries.map((e) => e.path).sort()).toEqual([...expected.keys()].sort());
    for (const e of entries) {
      const data = expected.get(e.path) ?? Buffer.alloc(0);
      expect([e.type, e.size], e.path).toEqual(['file', data.length]);
      if (e.path === 'model.safetensors') {
        const pointer = Buffer.from(`version https://git-lfs.github.com/spec/v1\noid sha256:${sha256(data)}\nsize ${data.length}\n`);
        expect(e.lfs).toEqual({ oid: sha256(data), size: data.length, pointerSize: pointer.length });
        expect(e.oid).toBe(gitBlob(pointer));
      } else {
        expect(e.lfs, e.path).toBeUndefined();
        expect(e.oid, e.path).toBe(gitBlob(data));
      }
    }
  });

  test('resolve: HEAD gives the ETag, commit and size without a body; GET the bytes; ranges', async () => {
    const info = json((await get(`${hf}/api/models/Qwen/Qwen3-0.6B`)).body);
    const weights = expected.get('model.safetensors') ?? Buffer.alloc(0);
    const head = await get(`${hf}/Qwen/Qwen3-0.6B/resolve/main/model.safetensors`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(head.headers.get('etag')).toBe(`"${sha256(weights)}"`);
    expect(head.headers.get('x-linked-etag')).toBe(`"${sha256(weights)}"`);
    expect(head.headers.get('x-repo-commit')).toBe(info.sha);
    expect(head.headers.get('content-length')).toBe(String(weights.length));
    const config = expected.get('config.json') ?? Buffer.alloc(0);
    const got = await get(`${hf}/Qwen/Qwen3-0.6B/resolve/${info.sha}/config.json`);
    expect([got.status, got.headers.get('etag'), got.headers.get('x-linked-etag')]).toEqual([200, `"${gitBlob(config)}"`, null]);
    expect(got.body.equals(config)).toBe(true);
    const part = await get(`${hf}/Qwen/Qwen3-0.6B/resolve/main/model.safetensors`, { headers: { Range: 'bytes=100-' } });
    expect([part.status, part.headers.get('content-range')]).toEqual([206, `bytes 100-${weights.length - 1}/${weights.length}`]);
    expect(part.body.equals(weights.subarray(100))).toBe(true);
    const beyond = await get(`${hf}/Qwen/Qwen3-0.6B/resolve/main/config.json`, { headers: { Range: `bytes=${config.length}-` } });
    expect([beyond.status, beyond.headers.get('content-range')]).toEqual([416, `bytes */${config.length}`]);
  });

  test('unknown repository, revision and file: the Hub\'s statuses and X-Error-Code', async () => {
    const anonymous = await get(`${hf}/api/models/Lab/no-such-model/revision/main`);
    expect([anonymous.status, anonymous.headers.get('x-error-code')]).toEqual([401, 'RepoNotFound']);
    const withToken = await get(`${hf}/Lab/no-such-model/resolve/main/config.json`, { method: 'HEAD', headers: { Authorization: 'Bearer hf_x' } });
    expect([withToken.status, withToken.headers.get('x-error-code'), withToken.headers.get('x-error-message')]).toEqual([404, 'RepoNotFound', 'Repository not found']);
    const revision = await get(`${hf}/api/models/Qwen/Qwen3-0.6B/revision/v9`);
    expect([revision.status, revision.headers.get('x-error-code')]).toEqual([404, 'RevisionNotFound']);
    const file = await get(`${hf}/Qwen/Qwen3-0.6B/resolve/main/pytorch_model.bin`, { method: 'HEAD' });
    expect([file.status, file.headers.get('x-error-code')]).toEqual([404, 'EntryNotFound']);
    // A name that is not latin-1 still gets an answer (the header escapes it).
    const unicode = await get(`${hf}/api/models/Qwen/Qwen3-0.6B/revision/${encodeURIComponent('版本')}`);
    expect([unicode.status, unicode.headers.get('x-error-message')]).toEqual([404, 'Invalid rev id: \\u7248\\u672c']);
    expect(json(unicode.body)).toEqual({ error: 'Invalid rev id: 版本' });
  });

  test('another model of the catalogue is its seed-model files, with its own commit', async () => {
    const other = json((await get(`${hf}/api/models/lab/other`)).body);
    const qwen = json((await get(`${hf}/api/models/Qwen/Qwen3-0.6B`)).body);
    expect(other.sha).not.toBe(qwen.sha);
    const dir = path.join(work, 'seeded', 'other');
    run(PYTHON, [SEED_MODEL, dir, '--size-mb', '1']);
    const weights = await get(`${hf}/lab/other/resolve/main/model.safetensors`);
    expect(weights.body.equals(readFileSync(path.join(dir, 'model.safetensors')))).toBe(true);
  });
});

describe('the ModelScope API', () => {
  test('the file listing carries each file\'s size and Sha256; the download serves the bytes, with ranges', async () => {
    const listing = await get(`${ms}/api/v1/models/Qwen/Qwen3-0.6B/repo/files?Revision=master&Recursive=True`);
    expect(listing.status).toBe(200);
    const body = json(listing.body);
    expect(body).toMatchObject({ Code: 200, Success: true });
    const files = body.Data.Files as { Path: string; Name: string; Type: string; Size: number; Sha256: string; IsLFS: boolean }[];
    expect(files.map((f) => f.Path).sort()).toEqual([...expected.keys()].sort());
    for (const f of files) {
      const data = expected.get(f.Path) ?? Buffer.alloc(0);
      expect([f.Name, f.Type, f.Size, f.Sha256, f.IsLFS], f.Path).toEqual([f.Path, 'blob', data.length, sha256(data), f.Path === 'model.safetensors']);
      const got = await get(`${ms}/api/v1/models/Qwen/Qwen3-0.6B/repo?Revision=master&FilePath=${encodeURIComponent(f.Path)}`);
      expect(got.status).toBe(200);
      expect(got.body.equals(data), f.Path).toBe(true);
    }
    const weights = expected.get('model.safetensors') ?? Buffer.alloc(0);
    const part = await get(`${ms}/api/v1/models/Qwen/Qwen3-0.6B/repo?Revision=master&FilePath=model.safetensors`, { headers: { Range: 'bytes=0-9' } });
    expect([part.status, part.headers.get('content-range')]).toEqual([206, `bytes 0-9/${weights.length}`]);
    expect(part.body.equals(weights.subarray(0, 10))).toBe(true);
  });

  test('revisions and model info name the master branch at the commit the Hugging Face side serves', async () => {
    const commit = json((await get(`${hf}/api/models/Qwen/Qwen3-0.6B`)).body).sha;
    const revisions = json((await get(`${ms}/api/v1/models/Qwen/Qwen3-0.6B/revisions`)).body);
    expect(revisions.Data.RevisionMap.Branches).toEqual([expect.objectContaining({ Revision: 'master', CommitId: commit })]);
    const info = json((await get(`${ms}/api/v1/models/Qwen/Qwen3-0.6B?Revision=master`)).body);
    expect(info.Data).toMatchObject({ Path: 'Qwen', Name: 'Qwen3-0.6B', LatestCommitId: commit });
  });

  test('an unknown model is a 404 whose message is modelscope.cn\'s; an unknown file or revision a 404 too', async () => {
    const missing = await get(`${ms}/api/v1/models/Lab/no-such-model/repo/files?Revision=master&Recursive=True`);
    expect(missing.status).toBe(404);
    expect(json(missing.body)).toMatchObject({ Message: '模型不存在', Success: false });
    expect((await get(`${ms}/api/v1/models/Qwen/Qwen3-0.6B/repo?Revision=master&FilePath=nope.bin`)).status).toBe(404);
    expect((await get(`${ms}/api/v1/models/Qwen/Qwen3-0.6B/repo/files?Revision=v9`)).status).toBe(404);
    // The acceleration probe of the client finds nothing here and goes on.
    expect((await get(`${ms}/api/v1/repos/internalAccelerationInfo`)).status).toBe(404);
  });
});

describe('the hub in the lab: configuration, inventory, wheelhouse', () => {
  test('the hub serves Qwen/Qwen3-0.6B as seed-model names it, unless told otherwise; ids are checked', () => {
    expect(hubServerConfig([{ id: 'Qwen/Qwen3-0.6B' }])).toEqual({
      hf_port: 8081,
      modelscope_port: 8082,
      seed_model: '/opt/lab/standins/seed-model',
      models: [{ id: 'Qwen/Qwen3-0.6B', name: 'Qwen3-0.6B', size_mb: 50 }],
    });
    expect(hubServerConfig([{ id: 'a/b', name: 'c', sizeMb: 2 }]).models).toEqual([{ id: 'a/b', name: 'c', size_mb: 2 }]);
    expect(() => hubServerConfig([{ id: 'a/b' }, { id: 'a/b' }])).toThrow(/listed twice/);
    for (const bad of ['Qwen3-0.6B', 'a/b/c', '../x', 'a/..', 'a b/c']) expect(() => checkHubModel({ id: bad }), bad).toThrow(/invalid hub model id/);
    expect(() => checkHubModel({ id: 'a/b', sizeMb: 0 })).toThrow(/positive/);
  });

  test('the inventory names both endpoints and the served ids', async () => {
    const text = renderInventory({
      labName: 'x',
      nodes: [{ name: 'node1', index: 1, role: 'head', container: 'c', containerId: 'i', state: 'running', sshPort: 40001, clusterIp: '172.30.0.2', managementIp: '172.29.0.2', nic: 'eno1', gpus: 1 }],
      paths: { privateKey: '/k', knownHosts: '/h' },
      mirror: { container: 'm', url: 'http://mirror.lab:8080/', hub: modelHub([{ id: 'Qwen/Qwen3-0.6B' }, { id: 'lab/other' }]) },
    });
    const file = path.join(work, 'inventory.ini');
    writeFileSync(file, text);
    const inventory = await loadInventory([file]);
    expect(inventory.hostJson('node1')).toMatchObject({ hf_endpoint: 'http://mirror.lab:8081', modelscope_endpoint: 'http://mirror.lab:8082', lab_hub_models: 'Qwen/Qwen3-0.6B,lab/other' });
  });

  test('`lab status` shows the hub\'s endpoints as the variables the clients read', () => {
    const text = formatStatus({
      name: 'x',
      scope: 'lab-x',
      stateDir: '/s',
      nodes: [{ name: 'node1', index: 1, role: 'head', container: 'c', containerId: 'i', state: 'running', sshPort: 40001, clusterIp: '172.30.0.2', managementIp: '172.29.0.2', nic: 'eno1', gpus: 1 }],
      mirror: { container: 'lab-x-mirror', state: 'running', url: 'http://mirror.lab:8080/', hub: modelHub() },
      networks: {},
    });
    expect(text).toContain('\nmodel hub: HF_ENDPOINT=http://mirror.lab:8081 MODELSCOPE_ENDPOINT=http://mirror.lab:8082 (Qwen/Qwen3-0.6B)\n');
  });

  test('the wheelhouse downloads the hub clients as a group of their own; its list is in the key', async () => {
    expect(downloadGroups().map((g) => [g.name, g.requirements])).toEqual([['ray', [RAY_REQUIREMENT]], ['hub', [...HUB_CLIENT_REQUIREMENTS]]]);
    expect(HUB_CLIENT_REQUIREMENTS.every((r) => /^[a-z_]+==\d+(\.\d+)+$/.test(r))).toBe(true);
    expect(downloadGroups({ hubRequirements: [] }).map((g) => g.name)).toEqual(['ray']);
    // Ray's download (the 100 MB) keeps the key it had before the hub group existed.
    expect(downloadKey([RAY_REQUIREMENT])).toBe(downloadKey(RAY_REQUIREMENT));
    const all = await wheelhouseKey();
    expect(await wheelhouseKey({ hubRequirements: HUB_CLIENT_REQUIREMENTS })).toBe(all);
    expect(await wheelhouseKey({ hubRequirements: ['modelscope==1.40.1', 'huggingface_hub==2.4.0'] })).not.toBe(all);
    expect(await wheelhouseKey({ hubRequirements: [] })).not.toBe(all);
  });
});
