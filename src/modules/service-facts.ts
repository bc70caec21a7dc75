/** ansible.builtin.service_facts: ansible_facts.services, every init script and systemd service unit, in one command. */
import { services } from '../facts/services.js';
import { defineModule } from './define.js';

export default defineModule({
  name: 'service_facts',
  supportsCheckMode: true,
  spec: { options: {} },
  async run(_args, ctx) {
    // Always read now: the services may have changed since anything cached them.
    const [found] = await ctx.facts.gather([services.with()], { refresh: true });
    return { changed: false, ansible_facts: { services: found } };
  },
});
