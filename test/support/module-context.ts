/**
 * A small ModuleContext for module tests: a LocalConnection on a fresh temp directory, files/
 * and templates/ beside it for findFile, renderTemplate over the sandbox's vars, and arguments
 * checked by the module's bind() exactly as the engine does before it runs.
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LocalConnection } from '../../src/connection/local.js';
import { FactCache } from '../../src/facts/index.js';
import type { Module, ModuleContext, ModuleResult } from '../../src/modules/types.js';
import { loadYamlFile } from '../../src/playbook/yaml.js';
import { renderTemplate } from '../../src/template/index.js';

/** The mode the host gives a new file or directory (0666/0777 minus the umask), as '0%03o'. */
export function defaultMode(directory = false): string {
  const mode = (directory ? 0o777 : 0o666) & ~process.umask();
  return `0${mode.toString(8).padStart(3, '0')}`;
}

export interface Sandbox {
  /** The temp directory the "remote" files live in. */
  root: string;
  /** Controller-side files/ and templates/ directories. */
  files: string;
  templates: string;
  vars: Record<string, unknown>;
  /** Runs a module with args (validated first), as the engine would. */
  run(module: Module, args: Record<string, unknown>, mode?: { check?: boolean; diff?: boolean }): Promise<ModuleResult>;
  /** A path inside root. */
  p(...parts: string[]): string;
  cleanup(): Promise<void>;
}

export async function createSandbox(): Promise<Sandbox> {
  const base = await fs.mkdtemp(path.join(os.tmpdir(), 'playbook-modules-'));
  const root = path.join(base, 'remote');
  const files = path.join(base, 'files');
  const templates = path.join(base, 'templates');
  await Promise.all([fs.mkdir(root), fs.mkdir(files), fs.mkdir(templates)]);
  const conn = new LocalConnection('localhost');
  const facts = new FactCache();
  const vars: Record<string, unknown> = {};
  const dirs = { files, templates, vars: path.join(base, 'vars') };

  const context = (checkMode: boolean, diffMode: boolean): ModuleContext => ({
    host: 'localhost',
    target: 'localhost',
    connectionVariable: (_host: string, name: string) => (name === 'ansible_connection' ? 'local' : undefined),
    conn,
    connect: () => Promise.resolve(conn),
    facts: facts.bind(() => Promise.resolve(conn), undefined, {}),
    checkMode,
    diffMode,
    become: undefined,
    environment: {},
    verbosity: 0,
    loadDataFile: loadYamlFile,
    playbookDir: base,
    findFile(kind, name) {
      // Like the engine: the kind's directory first, then the name as given; a trailing slash stays.
      for (const candidate of [path.join(dirs[kind], name), path.resolve(base, name)]) {
        if (existsSync(candidate)) return name.endsWith('/') && !candidate.endsWith('/') ? `${candidate}/` : candidate;
      }
      return undefined;
    },
    renderTemplate: (source, options, extraVars) => renderTemplate(source, { ...vars, ...extraVars }, { file: options.file, syntax: options.syntax ?? {} }),
    variable: (name) => vars[name],
    evaluate: (expression) => expression,
    evaluateConditional: (condition) => {
      throw new Error(`module sandbox: no conditionals (${String(condition)})`);
    },
  });

  return {
    root,
    files,
    templates,
    vars,
    p: (...parts) => path.join(root, ...parts),
    async run(module, args, mode = {}) {
      const result = await module.bind(args).run(context(mode.check ?? false, mode.diff ?? false));
      // As the executor does: what the facts said may no longer hold.
      if (result.changed) facts.invalidate();
      return result;
    },
    cleanup: () => fs.rm(base, { recursive: true, force: true }),
  };
}

/** A file's text (module tests compare whole files). */
export const readText = (file: string): Promise<string> => fs.readFile(file, 'utf8');
