/**
 * ansible.builtin.service: a service started, stopped, restarted or reloaded and enabled or not,
 * through the host's service manager: systemd where it runs (as systemd_service, with the options
 * systemd has no use for ignored with Ansible's warning), else the init script (/etc/init.d/NAME,
 * `update-rc.d` for boot), each read in one round trip and changed in one.
 */
import { systemdUnit } from '../facts/systemd.js';
import { sysvService } from '../facts/sysv.js';
import { defineModule } from './define.js';
import { type Plan, applyPlan, planResult } from './support/plan.js';
import { planService } from './support/services.js';
import { manageUnit } from './support/systemd-unit.js';
import type { ModuleResult } from './types.js';

/** What systemd_service does not take (Ansible's service action drops them with a warning). */
const UNUSED_BY_SYSTEMD = ['pattern', 'runlevel', 'sleep', 'arguments'] as const;

export default defineModule({
  name: 'service',
  supportsCheckMode: true,
  spec: {
    options: {
      name: { type: 'str', required: true },
      state: { type: 'str', choices: ['reloaded', 'restarted', 'started', 'stopped'] },
      enabled: { type: 'bool' },
      sleep: { type: 'int' },
      pattern: { type: 'str' },
      runlevel: { type: 'str', default: 'default' },
      arguments: { type: 'str', default: '', aliases: ['args'] },
      use: { type: 'str', default: 'auto' },
    },
    requiredOneOf: [['state', 'enabled']],
  },
  async run(args, ctx) {
    const unit = await ctx.facts.get(systemdUnit, args.name, '');
    const manager = args.use === 'auto' ? (unit.running ? 'systemd' : 'sysv') : args.use;
    if (manager === 'systemd') {
      const warnings = UNUSED_BY_SYSTEMD.filter((k) => (k === 'runlevel' ? args.runlevel !== 'default' : k === 'arguments' ? args.arguments !== '' : args[k] !== null)).map((k) => `Ignoring "${k}" as it is not used in "systemd"`);
      const result = await manageUnit(ctx, { module: 'service', name: args.name, state: args.state, enabled: args.enabled, masked: null, scope: 'system', daemonReload: false, daemonReexec: false, noBlock: false, force: null });
      return warnings.length ? { ...result, warnings } : result;
    }
    if (manager !== 'sysv' && manager !== 'service') {
      return { changed: false, failed: true, msg: `service: the service manager '${manager}' is not supported here (use auto, systemd or sysv)` };
    }
    return sysv(args.name, args.state, args.enabled, args.pattern, args.arguments, ctx);
  },
});

async function sysv(name: string, state: 'reloaded' | 'restarted' | 'started' | 'stopped' | null, enabled: boolean | null, pattern: string | null, extra: string, ctx: Parameters<typeof manageUnit>[0]): Promise<ModuleResult> {
  const current = await ctx.facts.get(sysvService, name, pattern ?? '');
  const result: ModuleResult = { name, changed: false };
  if (!current.exists) return { ...result, failed: true, msg: `Could not find the requested service ${name}: cannot find /etc/init.d/${name} (and systemd is not running on this host)` };
  const actions = planService({ running: current.running, enabled: current.enabled, masked: false }, { state, enabled });
  const script = `/etc/init.d/${name}`;
  const plan: Plan = {
    steps: actions.map((action) =>
      action === 'enable' || action === 'disable'
        ? {
            summary: `${action} ${name} at boot`,
            // `defaults` makes the links when there are none; `enable` turns K links back into S links.
            argv: action === 'enable' ? ['sh', '-c', 'update-rc.d "$1" defaults && update-rc.d "$1" enable', 'sh', name] : ['update-rc.d', name, 'disable'],
            error: ({ stdout, stderr }) => `Unable to ${action} service ${name}: ${stdout + stderr}`,
          }
        : { summary: `${action} ${name}`, argv: [script, action, ...(extra ? extra.split(/\s+/) : [])], error: ({ stdout, stderr }) => `Unable to ${action} service ${name}: ${(stderr || stdout).trim()}` },
    ),
  };
  const outcome = await applyPlan(ctx, plan);
  if (state !== null) result['state'] = state;
  if (enabled !== null) result['enabled'] = enabled;
  return { ...result, ...planResult(ctx, plan, outcome) };
}
