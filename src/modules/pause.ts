/** pause: waits `seconds` or `minutes` (no prompt is read: the engine runs unattended). */
import { setTimeout as sleep } from 'node:timers/promises';
import { pyDatetime, pyTimedelta } from '../python/datetime.js';
import { defineModule } from './define.js';

export default defineModule({
  name: 'pause',
  controllerOnly: true,
  supportsCheckMode: true,
  refusesAsync: true,
  spec: { options: { seconds: { type: 'raw' }, minutes: { type: 'raw' }, prompt: { type: 'str' }, echo: { type: 'bool', default: true } }, mutuallyExclusive: [['minutes', 'seconds']] },
  async run(args) {
    // raw: a number or a numeric string, converted here.
    const seconds = args.minutes !== null ? Number(args.minutes) * 60 : args.seconds !== null ? Number(args.seconds) : 0;
    if (Number.isNaN(seconds)) return { changed: false, failed: true, msg: 'unable to convert to int: invalid literal for int()' };
    const start = new Date();
    if (seconds > 0) await sleep(seconds * 1000);
    const stop = new Date();
    return {
      changed: false,
      rc: 0,
      start: pyDatetime(start),
      stop: pyDatetime(stop),
      delta: Math.round((stop.getTime() - start.getTime()) / 1000),
      echo: args.echo,
      stderr: '',
      stdout: args.minutes !== null ? `Paused for ${Number(args.minutes)} minutes` : `Paused for ${seconds} seconds`,
      user_input: '',
      elapsed: pyTimedelta(stop.getTime() - start.getTime()),
    };
  },
});
