/**
 * Templating speed: a realistic task's arguments (templated for every task and host) and a
 * 200-line config template. Prints microseconds per render and renders per second.
 * Run: npm run bench:template
 */
import { Templar } from '../src/template/index.js';

const hosts = Array.from({ length: 16 }, (_, i) => `gpu${String(i + 1).padStart(2, '0')}`);
const vars: Record<string, unknown> = {
  inventory_hostname: 'gpu01',
  groups: { ray_cluster: hosts, ray_head: ['gpu01'], ray_workers: hosts.slice(1) },
  hostvars: Object.fromEntries(hosts.map((h, i) => [h, { cluster_ip: `10.10.0.${i + 11}`, cluster_nic: i % 2 ? 'ens3' : 'eno1', gpu_count: 8 }])),
  cluster_ip: '10.10.0.11',
  cluster_nic: 'eno1',
  conda_prefix: '/opt/conda',
  env_name: 'vllm-ray',
  model_path: '/models/Qwen/Qwen3-0.6B',
  vllm_port: 10322,
  gpus_per_node: 8,
  ray_port: 6379,
  vllm_extra_args: ['--enable-prefix-caching', '--enable-chunked-prefill', '--dtype', 'half'],
  vllm_env: { VLLM_ATTENTION_BACKEND: 'TRITON_ATTN', VLLM_HOST_IP: '{{ cluster_ip }}', NCCL_SOCKET_IFNAME: '{{ cluster_nic }}' },
};
for (let i = 0; i < 60; i++) vars[`filler_var_${i}`] = `value ${i}`;

const taskArgs = {
  name: 'Start vLLM on {{ inventory_hostname }}',
  shell:
    "{{ conda_prefix }}/envs/{{ env_name }}/bin/vllm serve {{ model_path }} --host 0.0.0.0 --port {{ vllm_port }} " +
    "--distributed-executor-backend ray --tensor-parallel-size {{ gpus_per_node }} " +
    "--pipeline-parallel-size {{ groups['ray_cluster'] | length }} {{ vllm_extra_args | join(' ') }}",
  environment: '{{ vllm_env }}',
  creates: "{{ '/run/vllm-' ~ vllm_port ~ '.pid' }}",
  when: "inventory_hostname in groups['ray_head'] and (gpus_per_node | int) > 0",
};

const configLines: string[] = ['# Managed by playbook: do not edit', '[cluster]', 'head = {{ hostvars[groups.ray_head[0]].cluster_ip }}:{{ ray_port }}'];
while (configLines.length < 180) {
  const n = configLines.length;
  configLines.push(`option_${n} = {{ filler_var_${n % 60} | upper }}`);
}
configLines.push(
  '{% for h in groups.ray_cluster %}',
  '[node {{ h }}]',
  'address = {{ hostvars[h].cluster_ip }}',
  'nic = {{ hostvars[h].cluster_nic }}',
  'gpus = {{ hostvars[h].gpu_count }}{% if h == inventory_hostname %}  # this node{% endif %}',
  '',
  '{% endfor %}',
);
while (configLines.length < 200) configLines.push(`tail_${configLines.length} = {{ vllm_port + ${configLines.length} }}`);
const configTemplate = configLines.join('\n') + '\n';

function measure(label: string, fn: () => void, minMs = 1500): number {
  for (let i = 0; i < 200; i++) fn();
  let n = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < minMs) {
    for (let i = 0; i < 100; i++) fn();
    n += 100;
    elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  }
  const us = (elapsed * 1000) / n;
  console.log(`${label.padEnd(48)} ${us.toFixed(1).padStart(8)} µs   ${Math.round(1e6 / us).toLocaleString('en-US').padStart(10)} renders/s`);
  return us;
}

const templar = new Templar();
console.log(`node ${process.version}, ${configLines.length}-line config template, task with ${Object.keys(taskArgs).length} arguments\n`);
const task = measure('task arguments (parsed once, templated per host)', () => {
  templar.templateValue(taskArgs, vars);
  templar.evaluateExpression(taskArgs.when, vars, { escapeBackslashes: false });
});
measure('task arguments, cold (new Templar: parse each time)', () => {
  const fresh = new Templar();
  fresh.templateValue(taskArgs, vars);
}, 800);
measure('200-line config template (template module)', () => {
  templar.renderTemplate(configTemplate, vars);
});
const out = templar.renderTemplate(configTemplate, vars);
console.log(`\nrendered config: ${out.split('\n').length - 1} lines, ${out.length} bytes`);
console.log(`goal: under 50 µs per typical task's arguments -> ${task < 50 ? 'met' : 'NOT met'} (${task.toFixed(1)} µs)`);
