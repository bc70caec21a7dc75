/**
 * The template module's rendering of a template file: its syntax options, and the variables
 * Ansible's template action adds for it (template_host, template_path, ..., and ansible_managed
 * when the play does not set it). The engine supplies the task's variables and search path.
 */
import { readFile } from 'node:fs/promises';
import { Undefined } from '../../python/values.js';
import type { Syntax } from '../../template/index.js';
import { ansibleTemplateVars } from '../../template/template-vars.js';
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

export async function renderTemplateFile(ctx: Pick<ModuleContext, 'renderTemplate' | 'variable'>, file: string, options: TemplateFileOptions = {}): Promise<string> {
  const source = await readFile(file, 'utf8');
  const managed = ctx.variable('ansible_managed');
  const extra = ansibleTemplateVars(file, { ...options, withManaged: managed === undefined || managed instanceof Undefined });
  return ctx.renderTemplate(source, { file, syntax: syntaxOf(options) }, extra);
}
