/** fail: fails the task with a message. */
import { defineModule } from './define.js';

export default defineModule({
  name: 'fail',
  controllerOnly: true,
  supportsCheckMode: true,
  refusesAsync: true,
  spec: { options: { msg: { type: 'raw', default: 'Failed as requested from task' } } },
  async run(args) {
    return { changed: false, failed: true, msg: args.msg };
  },
});
