/** template: rendering options, then copy's behaviour (dest directory, mode, follow, check, diff). */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import template from '../../src/modules/template.js';
import { type Sandbox, createSandbox, readText } from '../support/module-context.js';

let sb: Sandbox;
beforeEach(async () => {
  sb = await createSandbox();
  sb.vars['templated_var'] = 'templated_var_loaded';
  await fs.writeFile(path.join(sb.templates, 'short.j2'), '{{ templated_var }}\n');
  await fs.writeFile(path.join(sb.templates, 'blocks.j2'), '{% if true %}\n  a\n  {% if true %}\nb\n  {% endif %}\n{% endif %}\n');
});
afterEach(async () => {
  await sb.cleanup();
});

const read = readText;
const modeOf = async (p: string): Promise<number> => (await fs.lstat(p)).mode & 0o7777;

describe('template', () => {
  it('renders with the task variables, then is idempotent, and check mode follows the content', async () => {
    const dest = sb.p('short.templated');
    const check = await sb.run(template, { src: 'short.j2', dest }, { check: true });
    expect(check.changed).toBe(true);
    await expect(fs.stat(dest)).rejects.toThrow();
    const r = await sb.run(template, { src: 'short.j2', dest, mode: '0644' });
    expect(r).toMatchObject({ changed: true, dest, mode: '0644', state: 'file' });
    expect(await read(dest)).toBe('templated_var_loaded\n');
    expect((await sb.run(template, { src: 'short.j2', dest }, { check: true })).changed).toBe(false);
    sb.vars['templated_var'] = 'changed';
    expect((await sb.run(template, { src: 'short.j2', dest }, { check: true })).changed).toBe(true);
    expect(await read(dest)).toBe('templated_var_loaded\n');
  });

  it('trim_blocks (default on), lstrip_blocks and newline_sequence', async () => {
    await sb.run(template, { src: 'blocks.j2', dest: sb.p('t') });
    expect(await read(sb.p('t'))).toBe('  a\n  b\n  \n');
    await sb.run(template, { src: 'blocks.j2', dest: sb.p('f'), trim_blocks: false });
    expect(await read(sb.p('f'))).toBe('\n  a\n  \nb\n  \n');
    await sb.run(template, { src: 'blocks.j2', dest: sb.p('l'), lstrip_blocks: true });
    expect(await read(sb.p('l'))).toBe('  a\nb\n');
    await sb.run(template, { src: 'short.j2', dest: sb.p('dos'), newline_sequence: '\\r\\n' });
    expect(await read(sb.p('dos'))).toBe('templated_var_loaded\r\n');
  });

  it('custom delimiters and output_encoding', async () => {
    await fs.writeFile(path.join(sb.templates, 'custom.j2'), '[% if true %]<< templated_var >>[% endif %] {{ raw }}\n');
    await sb.run(template, {
      src: 'custom.j2',
      dest: sb.p('c'),
      variable_start_string: '<<',
      variable_end_string: '>>',
      block_start_string: '[%',
      block_end_string: '%]',
    });
    expect(await read(sb.p('c'))).toBe('templated_var_loaded {{ raw }}\n');
    sb.vars['templated_var'] = 'café €';
    await sb.run(template, { src: 'short.j2', dest: sb.p('enc'), output_encoding: 'windows-1252' });
    expect([...(await fs.readFile(sb.p('enc')))]).toEqual([...Buffer.from('caf'), 0xe9, 0x20, 0x80, 0x0a]);
  });

  it('into a directory the file keeps the template name; mode preserve takes the template mode', async () => {
    await fs.mkdir(sb.p('template-dir'));
    const r = await sb.run(template, { src: 'short.j2', dest: `${sb.p('template-dir')}/`, mode: '0600' });
    expect(r).toMatchObject({ changed: true, dest: sb.p('template-dir', 'short.j2'), mode: '0600' });
    expect((await sb.run(template, { src: 'short.j2', dest: sb.p('template-dir'), mode: '0600' })).changed).toBe(false);
    expect(await modeOf(sb.p('template-dir'))).toBe(0o755);
    await fs.chmod(path.join(sb.templates, 'short.j2'), 0o640);
    expect((await sb.run(template, { src: 'short.j2', dest: sb.p('p'), mode: 'preserve' }))['mode']).toBe('0640');
  });

  it('follow=yes templates through a symlink', async () => {
    await sb.run(template, { src: 'short.j2', dest: sb.p('foo.templated'), mode: '0644' });
    await fs.symlink(sb.p('foo.templated'), sb.p('foo.symlink'));
    expect((await sb.run(template, { src: 'short.j2', dest: sb.p('foo.symlink'), mode: 0o600, follow: true })).changed).toBe(true);
    expect(await modeOf(sb.p('foo.templated'))).toBe(0o600);
    expect((await fs.lstat(sb.p('foo.symlink'))).isSymbolicLink()).toBe(true);
    expect((await sb.run(template, { src: 'short.j2', dest: sb.p('foo.symlink'), mode: 0o600, follow: true })).changed).toBe(false);
  });

  it("handles unusual file names and returns copy's diff", async () => {
    const dest = sb.p("foo t'e~m\\plated");
    const r = await sb.run(template, { src: 'short.j2', dest }, { diff: true });
    expect(r.diff).toEqual([{ before: '', after: 'templated_var_loaded\n', after_header: path.join(sb.templates, 'short.j2') }]);
    expect((await sb.run(template, { src: 'short.j2', dest })).changed).toBe(false);
  });

  it('fails with Ansible messages', async () => {
    expect(await sb.run(template, { src: 'short.j2', dest: sb.p('x'), state: 'file' })).toMatchObject({ failed: true, msg: "'state' cannot be specified on a template" });
    expect(await sb.run(template, { src: 'short.j2' })).toMatchObject({ failed: true, msg: 'src and dest are required' });
    expect(await sb.run(template, { src: 'short.j2', dest: sb.p('x'), newline_sequence: 'x' })).toMatchObject({ failed: true, msg: 'newline_sequence needs to be one of: \n, \r or \r\n' });
    expect(String((await sb.run(template, { src: 'nonexist.j2', dest: sb.p('x') })).msg)).toMatch(/^Could not find or access 'nonexist.j2'/);
    expect(await sb.run(template, { src: 'short.j2', dest: sb.p('x'), validate: 'false %s' })).toMatchObject({ failed: true, msg: 'failed to validate', exit_status: 1 });
  });
});
