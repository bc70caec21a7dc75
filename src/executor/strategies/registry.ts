/** The strategies a play may name in `strategy:` (linear when it names none). */
import { type Location, PlaybookError } from '../../playbook/errors.js';
import { free } from './free.js';
import { linear } from './linear.js';
import type { Strategy } from './strategy.js';

const STRATEGIES: ReadonlyMap<string, Strategy> = new Map([
  ['linear', linear],
  ['free', free],
]);

export function strategyNamed(name: string, play: Location): Strategy {
  const strategy = STRATEGIES.get(name);
  if (!strategy) throw new PlaybookError(`Invalid play strategy specified: ${name}`, play);
  return strategy;
}
