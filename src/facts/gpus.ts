/** NVIDIA GPUs and the processes using them, from nvidia-smi's CSV queries (none without nvidia-smi). */
import { defineFact } from './fact.js';
import { factLines } from './lines.js';

/**
 * nvidia-smi `--query-*` CSV: with a header (`memory.total [MiB]`) the columns are named by it,
 * without one by `fields`; units (`143771 MiB`, `0 %`) are dropped from values.
 */
export function parseNvidiaCsv(lines: string[], fields: string[]): Array<Record<string, string>> {
  const rows = lines.map((l) => l.trim()).filter(Boolean);
  let names = fields;
  if (rows[0] && /[a-z_]+\.?[a-z_]*(\s*\[[^\]]*\])?\s*(,|$)/.test(rows[0]) && rows[0].includes(fields[0] ?? '\u0000')) {
    names = rows.shift()!.split(',').map((h) => h.trim().replace(/\s*\[[^\]]*\]$/, ''));
  }
  return rows.map((row) => {
    const values = row.split(',').map((v) => v.trim().replace(/\s*(MiB|%|W|MHz)$/, ''));
    return Object.fromEntries(names.map((n, i) => [n, values[i] ?? '']));
  });
}

export const GPU_FIELDS = ['index', 'name', 'uuid', 'memory.total', 'memory.used'];
export const GPU_PROCESS_FIELDS = ['gpu_uuid', 'pid', 'process_name', 'used_memory'];

/** The `gpus` fact: index, name, uuid, memory_total_mib, memory_used_mib. */
export function parseGpuCsv(lines: string[]): Array<Record<string, unknown>> {
  return parseNvidiaCsv(lines, GPU_FIELDS).map((r) => ({
    index: Number(r['index']),
    name: r['name'],
    uuid: r['uuid'],
    memory_total_mib: Number(r['memory.total']),
    memory_used_mib: Number(r['memory.used']),
  }));
}

/** The `gpu_processes` fact: which process holds how much memory on which GPU. */
export function parseGpuProcessCsv(lines: string[]): Array<Record<string, unknown>> {
  return parseNvidiaCsv(lines, GPU_PROCESS_FIELDS).map((r) => ({
    gpu_uuid: r['gpu_uuid'],
    pid: Number(r['pid']),
    process_name: r['process_name'],
    used_memory_mib: Number(r['used_memory'] ?? r['used_gpu_memory']),
  }));
}

export const gpus = defineFact({
  name: 'gpus',
  command: `if command -v nvidia-smi >/dev/null 2>&1; then
  nvidia-smi --query-gpu=index,name,uuid,memory.total,memory.used --format=csv,noheader,nounits 2>/dev/null | sed 's/^/gpu\\t/'
  nvidia-smi --query-compute-apps=gpu_uuid,pid,process_name,used_memory --format=csv,noheader,nounits 2>/dev/null | sed 's/^/gpu_process\\t/'
fi
exit 0`,
  parse(stdout) {
    const lines = factLines(stdout);
    const list = parseGpuCsv(lines.all('gpu'));
    return { gpus: list, gpu_count: list.length, gpu_processes: parseGpuProcessCsv(lines.all('gpu_process')) };
  },
});
