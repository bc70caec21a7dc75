/**
 * ansible.builtin.systemd_service (alias systemd): a unit started, stopped, restarted or reloaded,
 * enabled or disabled, masked or unmasked, with daemon-reload/-reexec first. The unit is read in
 * one round trip and the changes, if any, run in another.
 */
import { defineModule } from './define.js';
import { manageUnit } from './support/systemd-unit.js';

export default defineModule({
  name: 'systemd_service',
  aliases: ['systemd'],
  supportsCheckMode: true,
  spec: {
    options: {
      name: { type: 'str', aliases: ['service', 'unit'] },
      state: { type: 'str', choices: ['reloaded', 'restarted', 'started', 'stopped'] },
      enabled: { type: 'bool' },
      force: { type: 'bool' },
      masked: { type: 'bool' },
      daemon_reload: { type: 'bool', default: false, aliases: ['daemon-reload'] },
      daemon_reexec: { type: 'bool', default: false, aliases: ['daemon-reexec'] },
      scope: { type: 'str', default: 'system', choices: ['system', 'user', 'global'] },
      no_block: { type: 'bool', default: false },
    },
    requiredOneOf: [['state', 'enabled', 'masked', 'daemon_reload', 'daemon_reexec']],
    requiredBy: { state: ['name'], enabled: ['name'], masked: ['name'] },
  },
  async run(args, ctx) {
    return manageUnit(ctx, {
      module: 'systemd_service',
      name: args.name,
      state: args.state,
      enabled: args.enabled,
      masked: args.masked,
      scope: args.scope,
      daemonReload: args.daemon_reload,
      daemonReexec: args.daemon_reexec,
      noBlock: args.no_block,
      force: args.force,
    });
  },
});
