/** slurp: content as base64, and Ansible's message for each reason a file cannot be read. */
import fs from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import slurp from '../../src/modules/slurp.js';
import { type Sandbox, createSandbox } from '../support/module-context.js';

let sb: Sandbox;
beforeEach(async () => {
  sb = await createSandbox();
});
afterEach(async () => {
  await sb.cleanup();
});

describe('slurp', () => {
  it('returns the content base64-encoded, and fails with Ansible messages', async () => {
    await fs.writeFile(sb.p('f.txt'), 'Hello, World!');
    await fs.mkdir(sb.p('dir'));
    expect(await sb.run(slurp, { src: sb.p('f.txt') })).toMatchObject({ changed: false, content: Buffer.from('Hello, World!').toString('base64'), encoding: 'base64', source: sb.p('f.txt') });
    expect(await sb.run(slurp, { src: sb.p('none') })).toMatchObject({ changed: false, failed: true, msg: `File not found: ${sb.p('none')}` });
    expect(await sb.run(slurp, { src: sb.p('dir') })).toMatchObject({ failed: true, msg: `Source is a directory and must be a file: ${sb.p('dir')}` });
    // ENOTDIR: Ansible's catch-all message, its placeholder unfilled as Ansible leaves it.
    expect(await sb.run(slurp, { src: sb.p('f.txt/x') })).toMatchObject({ failed: true, msg: 'Unable to slurp file: {source}' });
  });
});
