/**
 * The lab's stand-ins, without Docker and without Ray: nvidia-smi against real H200 output
 * (shared/fixtures), seed-model, the Miniforge/conda stand-in in a temporary prefix, and the vLLM
 * stand-in's command line, environment carry-over, NIC checks and API (on its local executor).
 * The Ray end-to-end run is in standins-e2e.test.ts.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cpSync } from 'node:fs';
import { ensureWheelhouse, pipProgressLine, wheelhouseKey } from '../../src/lab/wheelhouse.js';
import { Background, FIXTURES, LAB, PYTHON, STANDINS, freePort, http, run, waitFor } from './standins-helpers.js';

const NVIDIA_SMI = path.join(STANDINS, 'nvidia-smi');
const SEED_MODEL = path.join(STANDINS, 'seed-model');
const UUIDS = ['GPU-9a1276c6-7eea-392b-c507-ef929a1906c3', 'GPU-a4bff52b-cf65-4e34-cba0-436abe5fe312'];

const work = mkdtempSync(path.join(tmpdir(), 'standins-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function fixture(name: string): string {
  return readFileSync(path.join(FIXTURES, name), 'utf8');
}

/** The fixture host: 2x H200 with the fixture's UUIDs; sensor readings as given. */
function gpusFile(name: string, gpus: Record<string, unknown>[] = []): string {
  const file = path.join(work, name);
  writeFileSync(file, JSON.stringify({ count: 2, name: 'NVIDIA H200', memory_total_mib: 143771, uuids: UUIDS, gpus }));
  return file;
}

function smi(args: string[], env: Record<string, string>): ReturnType<typeof run> {
  return run(PYTHON, [NVIDIA_SMI, ...args], { env: { ...process.env, ...env } });
}

describe('nvidia-smi stand-in', () => {
  const procs = path.join(work, 'gpu-processes');
  const idle = { LAB_GPUS_FILE: gpusFile('gpus.json'), LAB_GPU_PROCESSES_DIR: path.join(work, 'no-processes') };
  let sleeper: ReturnType<typeof spawn>;

  beforeAll(() => {
    sleeper = spawn('sleep', ['600'], { stdio: 'ignore' });
    mkdirSync(procs, { recursive: true });
    for (const gpu of [0, 1]) {
      writeFileSync(path.join(procs, `${sleeper.pid}-${gpu}.json`), JSON.stringify({ pid: sleeper.pid, gpu_index: gpu, used_memory_mib: 1634, process_name: 'python3' }));
    }
    // A process that has exited: the driver no longer lists it.
    writeFileSync(path.join(procs, '4194303-0.json'), JSON.stringify({ pid: 4194303, gpu_index: 0, used_memory_mib: 999 }));
  });
  afterAll(() => {
    sleeper.kill('SIGKILL');
  });

  // The summary's first line is the time of the call; LAB_NVIDIA_SMI_TIME pins it.
  test('the summary of idle GPUs is the fixture, byte for byte', () => {
    const r = smi([], { ...idle, LAB_NVIDIA_SMI_TIME: 'Tue Nov 24 01:29:04 2026' });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(fixture('h200x2-idle.txt'));
  });

  test('without a pinned time the first line is the current time, in the same format', () => {
    const r = smi([], idle);
    const [first, ...rest] = r.stdout.split('\n');
    expect(first).toMatch(/^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4} {7}$/);
    expect(rest.join('\n')).toBe(fixture('h200x2-idle.txt').split('\n').slice(1).join('\n'));
  });

  test('a registered process shows in the summary and in memory.used, as in the busy fixture (PID aside)', () => {
    // Temperatures and power differ from moment to moment: the busy capture's readings.
    const env = { LAB_GPUS_FILE: gpusFile('gpus-busy.json', [{ temperature_c: 36, power_draw_w: 123 }, { temperature_c: 38, power_draw_w: 127 }]), LAB_GPU_PROCESSES_DIR: procs, LAB_NVIDIA_SMI_TIME: 'Tue Nov 24 01:29:19 2026' };
    const r = smi([], env);
    expect(r.code).toBe(0);
    // The PID column is right-aligned in 16 characters: the fixture's process was 554.
    const expected = fixture('h200x2-busy.txt').replaceAll(`${'554'.padStart(16)}`, String(sleeper.pid).padStart(16));
    expect(r.stdout).toBe(expected);
  });

  test('--query-compute-apps lists the live processes only (the fixture, PID aside)', () => {
    const r = smi(['--query-compute-apps=gpu_uuid,pid,process_name,used_memory', '--format=csv'], { ...idle, LAB_GPU_PROCESSES_DIR: procs });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(fixture('h200x2-query-compute-apps.csv').replaceAll(', 554,', `, ${sleeper.pid},`));
    const bare = smi(['--query-compute-apps=gpu_uuid,pid,process_name,used_memory', '--format=csv,noheader,nounits'], { ...idle, LAB_GPU_PROCESSES_DIR: procs });
    expect(bare.stdout).toBe(`${UUIDS[0]}, ${sleeper.pid}, python3, 1634\n${UUIDS[1]}, ${sleeper.pid}, python3, 1634\n`);
    expect(smi(['--query-compute-apps=pid', '--format=csv,noheader'], idle).stdout).toBe('');
  });

  test('--query-gpu and -L are the fixtures', () => {
    const q = smi(['--query-gpu=index,name,uuid,pci.bus_id,memory.total,memory.used,memory.free,utilization.gpu,driver_version', '--format=csv'], idle);
    expect(q.stdout).toBe(fixture('h200x2-query-gpu.csv'));
    expect(smi(['-L'], idle).stdout).toBe(fixture('h200x2-list.txt'));
    // What the fact script asks (src/facts/script.ts), busy: used = processes + the driver's 9 MiB.
    const facts = smi(['--query-gpu=index,name,uuid,memory.total,memory.used', '--format=csv,noheader,nounits'], { ...idle, LAB_GPU_PROCESSES_DIR: procs });
    expect(facts.stdout).toBe(`0, NVIDIA H200, ${UUIDS[0]}, 143771, 1643\n1, NVIDIA H200, ${UUIDS[1]}, 143771, 1643\n`);
  });

  test('-q -x is the fixture (GPU 0 read 35 C at that moment)', () => {
    const env = { LAB_GPUS_FILE: gpusFile('gpus-xml.json', [{ temperature_c: 35 }]), LAB_GPU_PROCESSES_DIR: idle.LAB_GPU_PROCESSES_DIR, LAB_NVIDIA_SMI_TIME: 'Tue Nov 24 01:29:04 2026' };
    const r = smi(['-q', '-x'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(fixture('h200x2-q.xml'));
  });

  test('-i selects GPUs; unknown fields, options and ids fail as nvidia-smi does', () => {
    expect(smi(['-i', '1', '--query-gpu=index,uuid', '--format=csv,noheader'], idle).stdout).toBe(`1, ${UUIDS[1]}\n`);
    expect(smi([`--id=${UUIDS[0]}`, '--query-gpu=index', '--format=csv,noheader'], idle).stdout).toBe('0\n');
    const field = smi(['--query-gpu=index,device_minor', '--format=csv'], idle);
    expect([field.code, field.stdout]).toEqual([2, 'Field "device_minor" is not a valid field to query.\n\n']);
    const option = smi(['--bogus'], idle);
    expect(option.code).toBe(2);
    expect(option.stdout).toContain("ERROR: Option --bogus is not recognized. Please run 'nvidia-smi -h' for help.");
    const id = smi(['-i', '5'], idle);
    expect([id.code, id.stdout]).toEqual([6, 'No devices were found\n']);
    const noGpus = smi([], { LAB_GPUS_FILE: path.join(work, 'absent.json') });
    expect(noGpus.code).toBe(9);
    expect(noGpus.stdout).toContain("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver");
  });

  test('more GPUs than the fixture: stable per-node UUIDs, bus ids in sequence', () => {
    const file = path.join(work, 'gpus-8.json');
    writeFileSync(file, JSON.stringify({ count: 8 }));
    const a = smi(['--query-gpu=index,uuid,pci.bus_id', '--format=csv,noheader'], { LAB_GPUS_FILE: file });
    const lines = a.stdout.trim().split('\n');
    expect(lines).toHaveLength(8);
    expect(lines[7]).toMatch(/^7, GPU-[0-9a-f-]{36}, 00000000:00:0D\.0$/);
    expect(smi(['--query-gpu=uuid', '--format=csv,noheader'], { LAB_GPUS_FILE: file }).stdout).toBe(a.stdout.replace(/^\d+, (\S+), .*$/gm, '$1'));
  });
});

describe('seed-model', () => {
  test('writes a deterministic model folder and leaves it alone on a second run', () => {
    const a = path.join(work, 'models-a', 'Qwen3-0.6B');
    const b = path.join(work, 'models-b', 'Qwen3-0.6B');
    const first = run(PYTHON, [SEED_MODEL, a, '--size-mb', '8', '--json']);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ path: a, name: 'Qwen3-0.6B', changed: true });
    run(PYTHON, [SEED_MODEL, b, '--size-mb', '8']);
    const names = readdirSync(a).sort();
    expect(names).toEqual(['config.json', 'generation_config.json', 'merges.txt', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json', 'vocab.json']);
    for (const n of names) {
      const h = (dir: string) => createHash('sha256').update(readFileSync(path.join(dir, n))).digest('hex');
      expect(h(b), n).toBe(h(a));
    }
    const again = run(PYTHON, [SEED_MODEL, a, '--size-mb', '8', '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ changed: false, files: [] });
    expect(run(PYTHON, [SEED_MODEL, a, '--size-mb', '8']).stdout).toBe(`${a}: up to date\n`);

    // A valid safetensors file of about the size asked for, and a config naming the architecture.
    const st = readFileSync(path.join(a, 'model.safetensors'));
    const headerLen = Number(st.readBigUInt64LE(0));
    const header = JSON.parse(st.subarray(8, 8 + headerLen).toString()) as Record<string, { data_offsets: [number, number] }>;
    const end = Math.max(...Object.entries(header).filter(([k]) => k !== '__metadata__').map(([, v]) => v.data_offsets[1]));
    expect(st.length).toBe(8 + headerLen + end);
    expect(st.length / 2 ** 20).toBeGreaterThan(6);
    expect(st.length / 2 ** 20).toBeLessThan(9);
    expect(JSON.parse(readFileSync(path.join(a, 'config.json'), 'utf8'))).toMatchObject({ architectures: ['Qwen3ForCausalLM'], _name_or_path: 'Qwen3-0.6B' });
  });

  test('a different name gives different weights (the per-node mismatch the lab can provoke)', () => {
    const a = path.join(work, 'models-c', 'm');
    const b = path.join(work, 'models-d', 'm');
    run(PYTHON, [SEED_MODEL, a, '--size-mb', '1', '--name', 'one']);
    run(PYTHON, [SEED_MODEL, b, '--size-mb', '1', '--name', 'two']);
    expect(readFileSync(path.join(a, 'model.safetensors')).equals(readFileSync(path.join(b, 'model.safetensors')))).toBe(false);
  });
});

const venvOk = run(PYTHON, ['-c', 'import ensurepip, venv']).code === 0;

describe.skipIf(!venvOk)(`Miniforge / conda stand-in${venvOk ? '' : ' (skipped: python3 has no venv/ensurepip here)'}`, () => {
  const installer = path.join(LAB, 'conda', 'Miniforge3-Linux-x86_64.sh');
  const prefix = path.join(work, 'miniforge3');
  const home = path.join(work, 'home');
  const env = () => ({ ...process.env, HOME: home, CONDA_PREFIX: '', PYTHONPATH: '' });
  const conda = (args: string[], input = '') => run(path.join(prefix, 'bin', 'conda'), args, { env: env(), input, timeoutMs: 120_000 });

  beforeAll(() => mkdirSync(home, { recursive: true }));

  test('the installer is built from lab/conda/src and its .sha256 matches (sha256sum format)', () => {
    expect(run(PYTHON, [path.join(LAB, 'conda', 'build.py'), '--check']).code).toBe(0);
    const digest = createHash('sha256').update(readFileSync(installer)).digest('hex');
    expect(readFileSync(`${installer}.sha256`, 'utf8')).toBe(`${digest}  Miniforge3-Linux-x86_64.sh\n`);
  });

  test('batch install, refusal to overwrite, -u, -h', { timeout: 120_000 }, () => {
    const help = run('bash', [installer, '-h'], { env: env() });
    expect(help.code).toBe(2);
    expect(help.stdout).toContain('-b           run install in batch mode');
    const r = run('bash', [installer, '-b', '-p', prefix], { env: env(), timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`PREFIX=${prefix}\nUnpacking payload ...\n`);
    expect(r.stdout).toContain('installation finished.\n');
    for (const f of ['bin/conda', 'bin/python', 'bin/pip', 'condabin/conda', 'etc/profile.d/conda.sh', 'conda-meta/history']) expect(existsSync(path.join(prefix, f)), f).toBe(true);
    const again = run('bash', [installer, '-b', '-p', prefix], { env: env() });
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`ERROR: File or directory already exists: '${prefix}'\nIf you want to update an existing installation, use the -u option.\n`);
    expect(run('bash', [installer, '-b', '-u', '-p', prefix], { env: env(), timeoutMs: 120_000 }).code).toBe(0);
    expect(conda(['--version']).stdout).toBe('conda 25.3.1\n');
  });

  test('create, list, run, info, remove: the lifecycle of an environment', { timeout: 180_000 }, () => {
    const pyver = run(path.join(prefix, 'bin', 'python'), ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])']).stdout.trim();

    const other = conda(['create', '-n', 'vllm-ray', 'python=3.10', '-y']);
    expect(other.code).toBe(1);
    expect(other.stdout).toContain('Solving environment: failed');
    expect(other.stderr).toContain('PackagesNotFoundError: The following packages are not available from current channels:\n\n  - python=3.10\n');

    const created = conda(['create', '-n', 'vllm-ray', `python=${pyver}`, '-y']);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain('#     $ conda activate vllm-ray');
    const envPrefix = path.join(prefix, 'envs', 'vllm-ray');
    expect(statSync(path.join(envPrefix, 'bin', 'python')).isFile()).toBe(true);
    expect(existsSync(path.join(envPrefix, 'bin', 'pip'))).toBe(true);

    expect(JSON.parse(conda(['env', 'list', '--json']).stdout)).toEqual({ envs: [prefix, envPrefix] });
    expect(conda(['env', 'list']).stdout).toContain(`vllm-ray                 ${envPrefix}`);
    const info = JSON.parse(conda(['info', '--json']).stdout) as Record<string, unknown>;
    expect(info).toMatchObject({ conda_version: '25.3.1', root_prefix: prefix, envs: [prefix, envPrefix], platform: 'linux-64' });

    const where = conda(['run', '-n', 'vllm-ray', 'python', '-c', 'import sys; print(sys.prefix)']);
    expect([where.code, where.stdout]).toEqual([0, `${envPrefix}\n`]);
    const failing = conda(['run', '-n', 'vllm-ray', 'python', '-c', 'raise SystemExit(3)']);
    expect(failing.code).toBe(3);
    expect(failing.stderr).toContain('ERROR conda.cli.main_run:execute(3): `conda run python -c');

    // The shell functions: `conda activate` changes the shell's python.
    const sh = run('bash', ['-c', `. ${prefix}/etc/profile.d/conda.sh && conda activate vllm-ray && command -v python && echo "$CONDA_DEFAULT_ENV" && conda deactivate && echo "[$CONDA_PREFIX]"`], { env: env() });
    expect(sh.stdout).toBe(`${envPrefix}/bin/python\nvllm-ray\n[]\n`);

    // An existing environment: conda asks; without -y and with nothing on stdin the answer is no.
    const asked = conda(['create', '-n', 'vllm-ray', `python=${pyver}`]);
    expect(asked.code).toBe(1);
    expect(asked.stdout).toContain(`WARNING: A conda environment already exists at '${envPrefix}'`);
    expect(asked.stdout).toContain('(y/[n])? ');
    expect(existsSync(path.join(envPrefix, 'bin', 'python'))).toBe(true);
    // With -y it is removed and made again.
    writeFileSync(path.join(envPrefix, 'marker'), 'x');
    expect(conda(['create', '-n', 'vllm-ray', `python=${pyver}`, '-y']).code).toBe(0);
    expect(existsSync(path.join(envPrefix, 'marker'))).toBe(false);

    const removed = conda(['remove', '-n', 'vllm-ray', '--all', '-y']);
    expect(removed.code, removed.stderr).toBe(0);
    expect(existsSync(envPrefix)).toBe(false);
    expect(JSON.parse(conda(['env', 'list', '--json']).stdout)).toEqual({ envs: [prefix] });
    const missing = conda(['run', '-n', 'vllm-ray', 'true']);
    expect([missing.code, missing.stderr]).toEqual([1, `\nEnvironmentLocationNotFound: Not a conda environment: ${envPrefix}\n\n`]);
    expect(conda(['remove', '-n', 'vllm-ray', '--all', '-y']).code).toBe(1);
  });

  test('-p PATH environments are registered in ~/.conda/environments.txt', { timeout: 120_000 }, () => {
    const p = path.join(work, 'envs-elsewhere', 'e1');
    const pyver = run(path.join(prefix, 'bin', 'python'), ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])']).stdout.trim();
    expect(conda(['create', '-p', p, `python==${pyver}`, 'pip', '-y', '-q']).code).toBe(0);
    expect(readFileSync(path.join(home, '.conda', 'environments.txt'), 'utf8')).toContain(`${p}\n`);
    expect(JSON.parse(conda(['env', 'list', '--json']).stdout).envs).toContain(p);
    expect(conda(['remove', '-p', p, '--all', '-y']).code).toBe(0);
    expect(JSON.parse(conda(['env', 'list', '--json']).stdout).envs).not.toContain(p);
  });
});

describe('vLLM stand-in: command line', () => {
  const env = { ...process.env, PYTHONPATH: path.join(LAB, 'vllm') };
  const vllm = (args: string[], extra: Record<string, string> = {}) => run(PYTHON, ['-m', 'vllm', ...args], { env: { ...env, ...extra } });

  test('an unknown flag is argparse\'s error from the top-level parser, exit 2', () => {
    const r = vllm(['serve', '/models/m', '--tensor-parallel-size', '2', '--bogus-flag']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('usage: vllm [-h] [-v] {chat,complete,serve,bench,collect-env,run-batch} ...\nvllm: error: unrecognized arguments: --bogus-flag\n');
    // No abbreviations, as vLLM's FlexibleArgumentParser.
    expect(vllm(['serve', '/models/m', '--tensor', '2']).stderr).toContain('vllm: error: unrecognized arguments: --tensor 2');
  });

  test('a bad value is the serve subcommand\'s error, exit 2', () => {
    const r = vllm(['serve', '/models/m', '-tp', 'two']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("usage: vllm serve [model_tag] [options]\nvllm serve: error: argument --tensor-parallel-size/-tp: invalid int value: 'two'\n");
    const backend = vllm(['serve', '/models/m', '--distributed-executor-backend', 'slurm']);
    expect(backend.stderr).toContain("argument --distributed-executor-backend: invalid choice: 'slurm' (choose from ");
  });

  test('the guide\'s command line parses (snake_case and 32k accepted too); a missing model fails as Hugging Face does', () => {
    const guide = ['serve', path.join(tmpdir(), 'no-such-model'), '--host', '0.0.0.0', '--port', '10322', '--distributed-executor-backend', 'ray', '--max-model-len', '512', '--max-num-seqs', '1', '--gpu-memory-utilization', '0.8', '--tensor-parallel-size', '1', '--pipeline-parallel-size', '2', '--enable-prefix-caching', '--enable-chunked-prefill', '--dtype', 'half'];
    for (const argv of [guide, [...guide, '--tensor_parallel_size', '1', '--max_model_len', '32k', '--trust-remote-code', '--served-model-name', 'qwen', '--api-key', 'k', '--enforce-eager', '--disable-log-requests', '--uvicorn-log-level', 'warning', '--download-dir', '/tmp', '-pp', '2']]) {
      const r = vllm(argv);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stdout).toContain("huggingface_hub.errors.HFValidationError: Repo id must be in the form 'repo_name' or 'namespace/repo_name'");
      expect(r.stdout).toContain("non-default args: {'model_tag':");
    }
    expect(vllm(['--version']).stdout).toBe('0.17.1+lab.1\n');
  });
});

describe('vLLM stand-in: what it copies to Ray workers and what it checks there', () => {
  const env = { ...process.env, PYTHONPATH: path.join(LAB, 'vllm') };
  const copied = (environ: Record<string, string>, nonCarryOver?: string[] | string): Record<string, string> => {
    const input = JSON.stringify({ environ, ...(typeof nonCarryOver === 'string' ? { non_carry_over_text: nonCarryOver } : { non_carry_over: nonCarryOver ?? [] }) });
    const r = run(PYTHON, ['-m', 'vllm.envcopy'], { env, input });
    expect(r.code, r.stderr).toBe(0);
    return (JSON.parse(r.stdout) as { copied: Record<string, string> }).copied;
  };
  const head = {
    NCCL_SOCKET_IFNAME: 'eno1',
    NCCL_IB_DISABLE: '1',
    GLOO_SOCKET_IFNAME: 'eno1',
    VLLM_HOST_IP: '10.0.0.1',
    VLLM_ATTENTION_BACKEND: 'TRITON_ATTN',
    HF_HUB_OFFLINE: '1',
    HUGGING_FACE_HUB_TOKEN: 't',
    PYTHONHASHSEED: '0',
    LD_LIBRARY_PATH: '/usr/local/lib',
    CUDA_VISIBLE_DEVICES: '0',
    UCX_NET_DEVICES: 'eno1',
    PATH: '/usr/bin',
    HOME: '/root',
  };

  test('VLLM_, NCCL_, HF_, UCX_ and vLLM\'s own variables are copied; GLOO_ and the worker-specific ones are not', () => {
    expect(copied(head)).toEqual({
      HF_HUB_OFFLINE: '1',
      HUGGING_FACE_HUB_TOKEN: 't',
      LD_LIBRARY_PATH: '/usr/local/lib',
      NCCL_IB_DISABLE: '1',
      NCCL_SOCKET_IFNAME: 'eno1',
      PYTHONHASHSEED: '0',
      UCX_NET_DEVICES: 'eno1',
      VLLM_ATTENTION_BACKEND: 'TRITON_ATTN',
    });
  });

  test('~/.config/vllm/ray_non_carry_over_env_vars.json keeps the per-node ones per node', () => {
    const out = copied(head, ['NCCL_SOCKET_IFNAME', 'UCX_NET_DEVICES']);
    expect(out).not.toHaveProperty('NCCL_SOCKET_IFNAME');
    expect(out).not.toHaveProperty('UCX_NET_DEVICES');
    expect(out).toHaveProperty('NCCL_IB_DISABLE', '1');
    expect(copied(head, '["NCCL_SOCKET_IFNAME"]')).not.toHaveProperty('NCCL_SOCKET_IFNAME');
    // A file vLLM cannot parse is ignored (with a warning), so everything is copied.
    expect(copied(head, 'NCCL_SOCKET_IFNAME')).toHaveProperty('NCCL_SOCKET_IFNAME', 'eno1');
    // Extra prefixes and names are added, never the worker-specific ones.
    const extra = copied({ ...head, VLLM_RAY_EXTRA_ENV_VAR_PREFIXES_TO_COPY: 'GLOO_', VLLM_RAY_EXTRA_ENV_VARS_TO_COPY: 'HOME,VLLM_HOST_IP' });
    expect(extra).toHaveProperty('GLOO_SOCKET_IFNAME', 'eno1');
    expect(extra).toHaveProperty('HOME', '/root');
    expect(extra).not.toHaveProperty('VLLM_HOST_IP');
  });

  test('NCCL_SOCKET_IFNAME and GLOO_SOCKET_IFNAME are matched as NCCL and Gloo do', () => {
    const script = `
import json
from vllm.netutil import nccl_interfaces, check_socket_ifnames
addrs = {"lo": "127.0.0.1", "ens3": "10.0.0.2", "docker0": "172.17.0.1", "eth9": ""}
print(json.dumps({
  "prefix": nccl_interfaces("en", addrs), "exact": nccl_interfaces("=ens", addrs), "exclude": nccl_interfaces("^docker,lo", addrs),
  "noaddr": nccl_interfaces("eth9", addrs),
  "worker_eno1": check_socket_ifnames({"NCCL_SOCKET_IFNAME": "eno1"}, addrs),
  "worker_gloo": check_socket_ifnames({"GLOO_SOCKET_IFNAME": "eno1"}, addrs),
  "ok": check_socket_ifnames({"NCCL_SOCKET_IFNAME": "ens3", "GLOO_SOCKET_IFNAME": "ens3"}, addrs)}))`;
    const r = run(PYTHON, ['-c', script], { env });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, string[]>;
    expect(out['prefix']).toEqual(['ens3']);
    expect(out['exact']).toEqual([]);
    expect(out['exclude']).toEqual(['ens3']);
    expect(out['noaddr']).toEqual([]);
    expect(out['worker_eno1']?.[0]).toContain('Bootstrap : no socket interface found (NCCL_SOCKET_IFNAME=eno1)');
    expect(out['worker_gloo']?.[0]).toContain('Unable to find address for: eno1');
    expect(out['ok']).toEqual([]);
  });

  test('get_ip: VLLM_HOST_IP wins; without a route to the internet it warns and falls back to 0.0.0.0', () => {
    const script = `
import socket, warnings, json
from vllm import netutil
class NoRoute(socket.socket):
    def connect(self, addr):
        raise OSError(101, "Network is unreachable")
with warnings.catch_warnings(record=True) as w:
    warnings.simplefilter("always")
    fixed = netutil.get_ip({"VLLM_HOST_IP": "10.0.0.7"})
    netutil.socket.socket = NoRoute
    fallback = netutil.get_ip({})
print(json.dumps({"fixed": fixed, "fallback": fallback, "warnings": [str(x.message) for x in w]}))`;
    const r = run(PYTHON, ['-c', script], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      fixed: '10.0.0.7',
      fallback: '0.0.0.0',
      warnings: ['Failed to get the IP address, using 0.0.0.0 by default.The value can be set by the environment variable VLLM_HOST_IP or HOST_IP.'],
    });
  });
});

describe('vLLM stand-in: serving on the local executor (no Ray)', () => {
  const model = path.join(work, 'serve-model', 'Qwen3-0.6B');
  const procs = path.join(work, 'serve-gpu-processes');
  let env: NodeJS.ProcessEnv;

  beforeAll(() => {
    run(PYTHON, [SEED_MODEL, model, '--size-mb', '2']);
    env = { ...process.env, PYTHONPATH: path.join(LAB, 'vllm'), LAB_GPUS_FILE: gpusFile('serve-gpus.json'), LAB_GPU_PROCESSES_DIR: procs };
  });

  test('serves health, models and chat completions; registers a GPU process per GPU; cleans up on SIGTERM', { timeout: 60_000 }, async () => {
    const port = await freePort();
    const server = new Background(PYTHON, ['-m', 'vllm', 'serve', model, '--host', '127.0.0.1', '--port', String(port), '-tp', '2', '--max-model-len', '512', '--served-model-name', 'qwen', '--gpu-memory-utilization', '0.8', '--api-key', 'secret'], env);
    try {
      const base = `http://127.0.0.1:${port}`;
      await waitFor('health', async () => ((await http(`${base}/health`)).status === 200 ? true : undefined), 30_000, server);
      const auth = { authorization: 'Bearer secret', 'content-type': 'application/json' };
      expect((await http(`${base}/v1/models`)).status).toBe(401);
      const models = (await http(`${base}/v1/models`, { headers: auth })).json();
      expect(models).toMatchObject({ object: 'list', data: [{ id: 'qwen', object: 'model', owned_by: 'vllm', root: model, max_model_len: 512 }] });

      const body = { model: 'qwen', messages: [{ role: 'user', content: 'Are all GPUs there?' }], max_tokens: 64 };
      const chat = await http(`${base}/v1/chat/completions`, { method: 'POST', headers: auth, body: JSON.stringify(body) });
      expect(chat.status).toBe(200);
      const c = chat.json();
      expect(c).toMatchObject({ object: 'chat.completion', model: 'qwen', choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant' } }] });
      expect(c.id).toMatch(/^chatcmpl-[0-9a-f]{32}$/);
      expect(c.choices[0].message.content).toBe('Hello from the vLLM lab stand-in: qwen on 1 node(s), 2 GPU(s) (TP=2, PP=1). You said: Are all GPUs there?');
      expect(c.usage.total_tokens).toBe(c.usage.prompt_tokens + c.usage.completion_tokens);
      // Deterministic: the same request, the same text and counts.
      const again = (await http(`${base}/v1/chat/completions`, { method: 'POST', headers: auth, body: JSON.stringify(body) })).json();
      expect([again.choices[0].message.content, again.usage]).toEqual([c.choices[0].message.content, c.usage]);
      const short = (await http(`${base}/v1/chat/completions`, { method: 'POST', headers: auth, body: JSON.stringify({ ...body, max_tokens: 3 }) })).json();
      expect([short.choices[0].finish_reason, short.usage.completion_tokens]).toEqual(['length', 3]);

      const wrong = await http(`${base}/v1/chat/completions`, { method: 'POST', headers: auth, body: JSON.stringify({ ...body, model: 'other' }) });
      expect([wrong.status, wrong.json().error.type]).toEqual([404, 'NotFoundError']);
      const long = await http(`${base}/v1/chat/completions`, { method: 'POST', headers: auth, body: JSON.stringify({ ...body, max_tokens: 600 }) });
      expect(long.status).toBe(400);
      expect(long.json().error.message).toContain("This model's maximum context length is 512 tokens");

      // nvidia-smi lists one worker per GPU with 0.8 of the memory.
      const apps = smi(['--query-compute-apps=pid,process_name,used_memory', '--format=csv,noheader,nounits'], { LAB_GPUS_FILE: env['LAB_GPUS_FILE'] ?? '', LAB_GPU_PROCESSES_DIR: procs }).stdout.trim().split('\n');
      expect(apps).toHaveLength(2);
      expect(apps[0]).toMatch(/^\d+, VLLM::Worker_TP0, 115007$/);
      expect(apps[1]).toMatch(/^\d+, VLLM::Worker_TP1, 115007$/);
      expect(server.output).toContain('Starting vLLM API server 0 on http://127.0.0.1:');
      expect(server.output).toMatch(/INFO: {5}127\.0\.0\.1:\d+ - "POST \/v1\/chat\/completions HTTP\/1\.1" 200 OK/);
    } finally {
      expect(await server.stop()).toBe(0);
    }
    expect(readdirSync(procs).filter((f) => f.endsWith('.json'))).toEqual([]);
  });

  test('more GPUs than the node has: vLLM\'s error, exit 1', () => {
    const r = run(PYTHON, ['-m', 'vllm', 'serve', model, '-tp', '4', '--distributed-executor-backend', 'mp'], { env });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('ValueError: World size (4) is larger than the number of available GPUs (2) in this node.');
    expect(r.stdout).toContain('RuntimeError: Engine core initialization failed. See root cause above. Failed core proc(s): {}');
  });
});

describe('wheelhouse (offline parts)', () => {
  test('the key follows the vllm stand-in\'s sources and the conda installer', async () => {
    const lab = path.join(work, 'lab-copy');
    cpSync(path.join(LAB, 'vllm'), path.join(lab, 'vllm'), { recursive: true });
    cpSync(path.join(LAB, 'conda'), path.join(lab, 'conda'), { recursive: true });
    const before = await wheelhouseKey({ labDir: lab });
    expect(before).toMatch(/^[0-9a-f]{16}$/);
    expect(await wheelhouseKey({ labDir: lab })).toBe(before);
    writeFileSync(path.join(lab, 'vllm', 'vllm', 'extra.py'), '# changed\n');
    expect(await wheelhouseKey({ labDir: lab })).not.toBe(before);
    mkdirSync(path.join(lab, 'vllm', 'vllm', '__pycache__'), { recursive: true });
    writeFileSync(path.join(lab, 'vllm', 'vllm', '__pycache__', 'x.pyc'), 'x');
    const withCache = await wheelhouseKey({ labDir: lab });
    rmSync(path.join(lab, 'vllm', 'vllm', '__pycache__'), { recursive: true });
    expect(await wheelhouseKey({ labDir: lab })).toBe(withCache);
  });

  test('a failed download leaves nothing that looks complete', async () => {
    const cacheDir = path.join(work, 'wh-cache');
    const lines: string[] = [];
    await expect(ensureWheelhouse({ cacheDir, python: path.join(work, 'no-such-python'), onProgress: (l) => lines.push(l) })).rejects.toThrow();
    const false_ = await ensureWheelhouse({ cacheDir, python: 'false', onProgress: (l) => lines.push(l) }).catch((e: Error) => e);
    expect(String(false_)).toContain('pip download ray[default]==2.53.0 failed (exit 1)');
    expect(lines[0]).toBe('downloading ray[default]==2.53.0 and its dependencies as wheels (about 100 MB, once)…');
    expect(readdirSync(path.join(cacheDir, 'wheelhouse'))).toEqual([]);
  });

  test('pip\'s output becomes short progress lines', () => {
    expect(pipProgressLine('  Downloading ray-2.53.0-cp311-cp311-manylinux2014_x86_64.whl (72.3 MB)')).toBe('  ray-2.53.0-cp311-cp311-manylinux2014_x86_64.whl (72.3 MB)');
    expect(pipProgressLine('  Using cached https://files.example/aiohttp-3.13.2-cp311-cp311-manylinux_2_17_x86_64.whl (1.7 MB)')).toBe('  aiohttp-3.13.2-cp311-cp311-manylinux_2_17_x86_64.whl (1.7 MB)');
    expect(pipProgressLine('Successfully downloaded aiohttp ray six')).toBe('  downloaded 3 packages');
    expect(pipProgressLine('Collecting ray[default]==2.53.0')).toBeUndefined();
  });
});
