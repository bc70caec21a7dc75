/**
 * community.general.ufw: the firewall enabled, disabled, reloaded or reset, its default policies
 * and log level, and one rule added, inserted or deleted, with Ansible's arguments.
 *
 * Facts -> plan -> commands: the ufw fact reads `ufw status verbose`, the rule tuples and the
 * policy files in one round trip; planUfw decides which ufw commands change something (a rule
 * that is there already is not sent again); the commands and a second read of the state run in one
 * more round trip, and `changed` is, as in Ansible, whether the status or the rules differ after
 * them (reload and reset always count). An idempotent re-run costs the one read.
 *
 * Beyond Ansible: a task that would leave ufw active with the SSH port of the connection in use
 * closed (enabling with default deny and no rule for it, deleting its rule, a deny policy) is
 * refused before anything runs, naming the port; `allow_ssh_lockout: true` lets it through.
 */
import { type UfwState, UFW_STATE_COMMAND, parseUfwState, ufw } from '../facts/ufw.js';
import { join } from '../python/shlex.js';
import { defineModule } from './define.js';
import { type PlanStep, planScript } from './support/plan.js';
import { type FirewallModel, type SshEndpoint, type UfwRuleArgs, checkRule, modelOf, planUfw, sshAllowed } from './support/ufw-plan.js';
import type { ModuleContext, ModuleResult } from './types.js';

const POST_MARK = '@@playbook-ufw-after@@';

/** The SSH connection to keep open: from the host's SSH_CONNECTION, else the inventory's port. */
function sshEndpoint(ctx: ModuleContext, state: UfwState): SshEndpoint | undefined {
  if (state.ssh) return { port: state.ssh.serverPort, clientIp: state.ssh.clientIp, serverIp: state.ssh.serverIp, ...(state.ssh.interface ? { interface: state.ssh.interface } : {}) };
  if (ctx.conn.transport !== 'ssh') return undefined;
  let port = 22;
  try {
    const p = Number(ctx.variable('ansible_port') ?? ctx.variable('ansible_ssh_port'));
    if (Number.isInteger(p) && p > 0) port = p;
  } catch {
    // Not set: ssh's default.
  }
  return { port };
}

function lockoutMessage(ssh: SshEndpoint, after: FirewallModel): string {
  const from = ssh.clientIp ? ` from ${ssh.clientIp}` : '';
  const why = after.defaults.incoming === 'allow' ? 'a rule would block it' : `the default incoming policy is ${after.defaults.incoming || 'deny'} and no rule would allow it`;
  return (
    `ufw: refusing to change the firewall: it would block SSH port ${ssh.port}/tcp, which this connection uses${from} (${why}), and lock this host out. ` +
    `Allow it first (e.g. ufw: rule=allow port=${ssh.port} proto=tcp), or set allow_ssh_lockout: true if losing SSH access is intended.`
  );
}

function sameState(a: UfwState, b: UfwState): boolean {
  return a.statusVerbose === b.statusVerbose && JSON.stringify([a.tuples, a.defaults, a.logLevel]) === JSON.stringify([b.tuples, b.defaults, b.logLevel]);
}

export default defineModule({
  name: 'ufw',
  collection: 'community.general',
  supportsCheckMode: true,
  spec: {
    options: {
      state: { type: 'str', choices: ['enabled', 'disabled', 'reloaded', 'reset'] },
      default: { type: 'str', aliases: ['policy'], choices: ['allow', 'deny', 'reject'] },
      logging: { type: 'str', choices: ['full', 'high', 'low', 'medium', 'off', 'on'] },
      direction: { type: 'str', choices: ['in', 'incoming', 'out', 'outgoing', 'routed'] },
      delete: { type: 'bool', default: false },
      route: { type: 'bool', default: false },
      insert: { type: 'int' },
      insert_relative_to: { type: 'str', choices: ['zero', 'first-ipv4', 'last-ipv4', 'first-ipv6', 'last-ipv6'], default: 'zero' },
      rule: { type: 'str', choices: ['allow', 'deny', 'limit', 'reject'] },
      interface: { type: 'str', aliases: ['if'] },
      interface_in: { type: 'str', aliases: ['if_in'] },
      interface_out: { type: 'str', aliases: ['if_out'] },
      log: { type: 'bool', default: false },
      from_ip: { type: 'str', default: 'any', aliases: ['from', 'src'] },
      from_port: { type: 'str' },
      to_ip: { type: 'str', default: 'any', aliases: ['dest', 'to'] },
      to_port: { type: 'str', aliases: ['port'] },
      proto: { type: 'str', aliases: ['protocol'], choices: ['ah', 'any', 'esp', 'ipv6', 'tcp', 'udp', 'gre', 'igmp', 'vrrp'] },
      name: { type: 'str', aliases: ['app'] },
      comment: { type: 'str' },
      /** Not an Ansible option: lets a task through that would block the SSH connection in use. */
      allow_ssh_lockout: { type: 'bool', default: false },
    },
    mutuallyExclusive: [
      ['name', 'proto', 'logging'],
      ['direction', 'interface_in'],
      ['direction', 'interface_out'],
    ],
    requiredOneOf: [['state', 'default', 'rule', 'logging']],
    requiredBy: { interface: ['direction'] },
  },
  async run(args, ctx) {
    const rule: UfwRuleArgs | null = args.rule
      ? {
          rule: args.rule,
          direction: args.direction,
          interface: args.interface,
          interface_in: args.interface_in,
          interface_out: args.interface_out,
          route: args.route,
          log: args.log,
          from_ip: args.from_ip,
          from_port: args.from_port,
          to_ip: args.to_ip,
          to_port: args.to_port,
          proto: args.proto,
          name: args.name,
          comment: args.comment,
          delete: args.delete,
          insert: args.insert,
          insert_relative_to: args.insert_relative_to,
        }
      : null;
    if (args.default && !['outgoing', 'incoming', 'routed', null].includes(args.direction)) {
      return { changed: false, failed: true, msg: 'For default, direction must be one of "outgoing", "incoming" and "routed", or direction must not be specified.' };
    }
    if (rule) {
      if (!['in', 'out', null].includes(rule.direction)) return { changed: false, failed: true, msg: 'For rules, direction must be one of "in" and "out", or direction must not be specified.' };
      if (!rule.route && rule.interface_in && rule.interface_out) return { changed: false, failed: true, msg: 'Only route rules can combine interface_in and interface_out' };
      const bad = checkRule(rule);
      if (bad) return { changed: false, failed: true, msg: bad, commands: [] };
    }

    const before = await ctx.facts.get(ufw);
    if (!before.installed) return { changed: false, failed: true, msg: 'Failed to find required executable "ufw" in paths: /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' };
    const { ops, after } = planUfw({ state: args.state, default: args.default, direction: args.direction, logging: args.logging, rule }, before);

    const ssh = sshEndpoint(ctx, before);
    if (ssh && !args.allow_ssh_lockout && sshAllowed(modelOf(before), ssh) && !sshAllowed(after, ssh)) {
      return { changed: false, failed: true, msg: lockoutMessage(ssh, after), commands: [] };
    }

    const toRun = ops.filter((op) => op.change !== 'no' || op.always);
    const commands = toRun.map((op) => join(op.argv));
    if (ctx.checkMode) return { changed: toRun.length > 0, commands };
    if (toRun.length === 0) return { changed: false, commands, msg: before.statusVerbose.trimEnd() };

    // The commands, then the state they leave, in one round trip.
    const steps: PlanStep[] = toRun.map((op) => ({ summary: join(op.argv), argv: op.argv, error: ({ stdout, stderr }) => stderr || stdout }));
    const { script, failed } = planScript({ steps });
    const r = await ctx.conn.exec(`${script}\necho '${POST_MARK}'\n(\n${UFW_STATE_COMMAND}\n)`, { become: ctx.become, env: { ...ctx.environment, LANG: 'C' } });
    const failure = failed(r.stderr);
    if (failure || r.rc !== 0 || !r.stdout.includes(POST_MARK)) {
      const step = steps[failure?.index ?? steps.length - 1]!;
      const stdout = r.stdout.split(POST_MARK)[0] ?? '';
      const stderr = failure?.stderr ?? r.stderr;
      const ran = commands.slice(0, (failure?.index ?? steps.length - 1) + 1);
      return { changed: (failure?.index ?? 0) > 0, failed: true, msg: step.error!({ rc: failure?.rc ?? r.rc, stdout, stderr }), commands: ran, rc: failure?.rc ?? r.rc, stdout, stderr };
    }
    const postState = parseUfwState(r.stdout.slice(r.stdout.indexOf(POST_MARK)));
    const result: ModuleResult = { changed: toRun.some((op) => op.always) || !sameState(before, postState), commands, msg: postState.statusVerbose.trimEnd() };
    return result;
  },
});
