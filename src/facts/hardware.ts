/** Processors and memory, as Ansible's hardware facts count them. */
import { defineFact } from './fact.js';
import { PRINT_PAIR, factLines } from './lines.js';

export const hardware = defineFact({
  name: 'hardware',
  command: `${PRINT_PAIR}
p vcpus "$(grep -c '^processor' /proc/cpuinfo 2>/dev/null)"
p nproc "$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN)"
p memtotal_kb "$(awk '/^MemTotal:/ {print $2}' /proc/meminfo 2>/dev/null)"
exit 0`,
  parse(stdout) {
    const get = factLines(stdout).get;
    return {
      // As Ansible: vcpus are the processors the kernel lists, nproc those this process may use.
      processor_vcpus: Number(get('vcpus')) || Number(get('nproc')) || 1,
      processor_nproc: Number(get('nproc')) || 1,
      memtotal_mb: Math.floor(Number(get('memtotal_kb') || 0) / 1024),
    };
  },
});
