/** The `loop` variable inside `{% for %}`: index, first, last, cycle(), changed(), previtem... */
import { PluginError } from './errors.js';
import { PyCallable, PyObject, missingAttribute, pyEquals } from '../python/values.js';

export class LoopInfo extends PyObject {
  index0 = 0;
  private lastChanged: unknown[] | undefined;

  constructor(
    private readonly items: unknown[],
    private readonly depth0: number,
    private readonly recurse: ((children: unknown) => string) | undefined,
  ) {
    super();
  }

  /** `loop(children)` in a recursive loop. */
  call(children: unknown): string {
    if (!this.recurse) throw new PluginError('type', "'LoopContext' object is not callable (the loop is not recursive)");
    return this.recurse(children);
  }

  getAttr(name: string): unknown {
    const n = this.items.length;
    const i = this.index0;
    switch (name) {
      case 'index':
        return i + 1;
      case 'index0':
        return i;
      case 'revindex':
        return n - i;
      case 'revindex0':
        return n - i - 1;
      case 'first':
        return i === 0;
      case 'last':
        return i === n - 1;
      case 'length':
        return n;
      case 'depth':
        return this.depth0 + 1;
      case 'depth0':
        return this.depth0;
      case 'previtem':
        return i > 0 ? this.items[i - 1] : missingAttribute(this, 'previtem');
      case 'nextitem':
        return i < n - 1 ? this.items[i + 1] : missingAttribute(this, 'nextitem');
      case 'cycle':
        return new PyCallable('cycle', ({ args }) => {
          if (args.length === 0) throw new PluginError('type', 'no items for cycling given');
          return args[i % args.length];
        });
      case 'changed':
        return new PyCallable('changed', ({ args }) => {
          const same = this.lastChanged !== undefined && pyEquals(this.lastChanged, args);
          this.lastChanged = args;
          return !same;
        });
      default:
        return missingAttribute(this, name);
    }
  }
}
