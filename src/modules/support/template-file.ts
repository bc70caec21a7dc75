/**
 * The template module's rendering of a template file: its syntax options, and the variables
 * Ansible's template action adds for it (template_host, template_path, ..., and ansible_managed
 * when the play does not set it). The engine supplies the task's variables and search path.
 */
import { readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import { pyDatetime } from '../../python/datetime.js';
import { Undefined } from '../../python/values.js';
import type { Syntax } from '../../template/index.js';
import type { ModuleContext } from '../types.js';

export interface TemplateFileOptions {
  /** `src` as written (template_path) and the destination (template_destpath). */
  templatePath?: string;
  destPath?: string;
  variableStartString?: string;
  variableEndString?: string;
  blockStartString?: string;
  blockEndString?: string;
  commentStartString?: string;
  commentEndString?: string;
  trimBlocks?: boolean;
  lstripBlocks?: boolean;
  newlineSequence?: string;
}

function syntaxOf(options: TemplateFileOptions): Partial<Syntax> {
  const syntax: Partial<Syntax> = {};
  if (options.variableStartString !== undefined) syntax.variableStart = options.variableStartString;
  if (options.variableEndString !== undefined) syntax.variableEnd = options.variableEndString;
  if (options.blockStartString !== undefined) syntax.blockStart = options.blockStartString;
  if (options.blockEndString !== undefined) syntax.blockEnd = options.blockEndString;
  if (options.commentStartString !== undefined) syntax.commentStart = options.commentStartString;
  if (options.commentEndString !== undefined) syntax.commentEnd = options.commentEndString;
  if (options.trimBlocks !== undefined) syntax.trimBlocks = options.trimBlocks;
  if (options.lstripBlocks !== undefined) syntax.lstripBlocks = options.lstripBlocks;
  if (options.newlineSequence !== undefined) syntax.newlineSequence = options.newlineSequence;
  return syntax;
}

/** The file's owner's name, as Ansible's template_uid gives it (the uid when it has none). */
async function ownerName(uid: number): Promise<string | number> {
  const passwd = await readFile('/etc/passwd', 'utf8').catch(() => '');
  return passwd.split('\n').map((l) => l.split(':')).find((f) => Number(f[2]) === uid)?.[0] ?? uid;
}

export async function renderTemplateFile(ctx: Pick<ModuleContext, 'renderTemplate' | 'variable'>, file: string, options: TemplateFileOptions = {}): Promise<string> {
  const source = await readFile(file, 'utf8');
  const info = await stat(file);
  const extra: Record<string, unknown> = {
    template_host: os.hostname(),
    template_path: options.templatePath ?? file,
    template_fullpath: file,
    template_destpath: options.destPath ?? null,
    template_uid: await ownerName(info.uid),
    template_mtime: pyDatetime(info.mtime),
    template_run_date: pyDatetime(new Date()),
  };
  const managed = ctx.variable('ansible_managed');
  if (managed === undefined || managed instanceof Undefined) extra['ansible_managed'] = 'Ansible managed';
  return ctx.renderTemplate(source, { file, syntax: syntaxOf(options) }, extra);
}
