/** ArgsOf: the argument types run() gets, inferred from a spec (checked by tsc; the test only runs the check). */
import { describe, expectTypeOf, test } from 'vitest';
import type { ArgsOf } from '../../src/modules/args.js';
import { defineModule } from '../../src/modules/define.js';
import { FILE_COMMON_OPTIONS } from '../../src/modules/support/file-args.js';

type Spec = {
  options: {
    count: { type: 'int'; required: true };
    ratio: { type: 'float' };
    name: { type: 'str' };
    where: { type: 'path'; default: '/tmp' };
    force: { type: 'bool'; default: false };
    state: { type: 'str'; choices: readonly ['present', 'absent']; default: 'present' };
    kinds: { type: 'list'; elements: 'str'; choices: readonly ['a', 'b'] };
    paths: { type: 'list'; elements: 'path'; default: readonly [] };
    items: { type: 'list' };
    data: { type: 'dict' };
    content: { type: 'raw' };
    untyped: object;
    nothing: { type: 'str'; default: null };
  };
};

describe('ArgsOf', () => {
  test('each type, required and defaulted options, choices and list elements', () => {
    expectTypeOf<ArgsOf<Spec>>().toEqualTypeOf<{
      count: number;
      ratio: number | null;
      name: string | null;
      where: string;
      force: boolean;
      state: 'present' | 'absent';
      kinds: ('a' | 'b')[] | null;
      paths: string[];
      items: unknown[] | null;
      data: Record<string, unknown> | null;
      content: unknown;
      untyped: unknown;
      nothing: string | null;
    }>();
  });

  test('free keys (set_fact) pass any other name', () => {
    expectTypeOf<ArgsOf<{ options: { cacheable: { type: 'bool'; default: false } }; freeKeys: true }>>().toEqualTypeOf<{ cacheable: boolean } & Record<string, unknown>>();
  });

  test('defineModule infers them for run(), through a spread of shared options', () => {
    defineModule({
      name: 'example',
      supportsCheckMode: true,
      spec: { options: { dest: { type: 'path', required: true }, ...FILE_COMMON_OPTIONS } },
      async run(args) {
        expectTypeOf(args.dest).toEqualTypeOf<string>();
        expectTypeOf(args.owner).toEqualTypeOf<string | null>();
        expectTypeOf(args.unsafe_writes).toEqualTypeOf<boolean>();
        expectTypeOf(args.mode).toEqualTypeOf<unknown>();
        // @ts-expect-error: not an option of this spec
        void args.destination;
        return { changed: false };
      },
    });
  });
});
