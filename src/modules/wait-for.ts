/**
 * ansible.builtin.wait_for: waits on the host for a port to open, close or drain, a file to appear
 * (optionally holding a regex match) or go away, or simply for a time. The whole wait is one program
 * run on the host with its own deadline (support/wait-for-script.ts): one round trip however many
 * polls it takes. Results and messages are Ansible's (elapsed, match_groups, match_groupdict, path,
 * port, state, search_regex; "Timeout when waiting for ...").
 */
import { defineModule } from './define.js';
import { runRemotePython } from './support/remote-python.js';
import { WAIT_FOR_PY } from './support/wait-for-script.js';

const CONNECTION_STATES = ['ESTABLISHED', 'SYN_SENT', 'SYN_RECV', 'FIN_WAIT1', 'FIN_WAIT2', 'TIME_WAIT'];

export default defineModule({
  name: 'wait_for',
  // As in Ansible: wait_for has no check mode, so --check skips it.
  supportsCheckMode: false,
  spec: {
    options: {
      host: { type: 'str', default: '127.0.0.1' },
      timeout: { type: 'int', default: 300 },
      connect_timeout: { type: 'int', default: 5 },
      delay: { type: 'int', default: 0 },
      port: { type: 'int' },
      active_connection_states: { type: 'list', elements: 'str', default: ['ESTABLISHED', 'FIN_WAIT1', 'FIN_WAIT2', 'SYN_RECV', 'SYN_SENT', 'TIME_WAIT'] },
      path: { type: 'path' },
      search_regex: { type: 'str' },
      state: { type: 'str', default: 'started', choices: ['absent', 'drained', 'present', 'started', 'stopped'] },
      exclude_hosts: { type: 'list', elements: 'str' },
      sleep: { type: 'int', default: 1 },
      msg: { type: 'str' },
    },
  },
  async run(args, ctx) {
    const refuse = (msg: string): { changed: false; failed: true; msg: string; elapsed: number } => ({ changed: false, failed: true, msg, elapsed: 0 });
    if (args.port !== null && args.path !== null) return refuse('port and path parameter can not both be passed to wait_for');
    if (args.path !== null && args.state === 'stopped') return refuse('state=stopped should only be used for checking a port in the wait_for module');
    if (args.path !== null && args.state === 'drained') return refuse('state=drained should only be used for checking a port in the wait_for module');
    if (args.exclude_hosts !== null && args.state !== 'drained') return refuse('exclude_hosts should only be with state=drained');
    const unknownState = args.active_connection_states.find((s) => !CONNECTION_STATES.includes(s));
    if (unknownState !== undefined) return refuse(`unknown active_connection_state (${unknownState}) defined`);

    // The program's own deadline ends the wait; this only guards against a host that stops answering.
    const bound = (args.delay + args.timeout + args.connect_timeout + 60) * 1000;
    const result = await runRemotePython(ctx, 'wait_for', WAIT_FOR_PY, args, bound);
    return { ...result, changed: false };
  },
});
