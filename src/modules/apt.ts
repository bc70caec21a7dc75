/**
 * ansible.builtin.apt: Debian packages installed (`name`, `name=1.2*`, `name>=1.2`, fnmatch
 * names), upgraded (`latest`, `upgrade`), removed or purged, .deb files (a path or a URL the host
 * downloads), the cache refreshed (update_cache, cache_valid_time), autoremove and autoclean.
 * apt and dpkg are read in one round trip; the change is one apt-get run, which waits for another
 * process's lock up to lock_timeout and then names the holder.
 */
import { defineModule } from './define.js';
import { APT_SPEC, runApt } from './support/apt.js';

export default defineModule({
  name: 'apt',
  supportsCheckMode: true,
  spec: APT_SPEC,
  async run(args, ctx) {
    return runApt(ctx, args);
  },
});
