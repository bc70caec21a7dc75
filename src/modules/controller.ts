/**
 * Modules that run on the controller: debug, set_fact, assert, fail, pause, include_vars, ping,
 * validate_argument_spec, and the names the engine itself handles (meta, include_*, import_*).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { Undefined, isDict, pyStr } from '../python/values.js';
import { ArgumentError, type ArgumentSpec, type ArgType, validateArgs } from './args.js';
import { pyDatetime, pyTimedelta } from '../python/datetime.js';
import { type ModuleDefinition, type ModuleResult, defineModule } from './types.js';

export const debug: ModuleDefinition = defineModule({
  name: 'debug',
  controllerOnly: true,
  supportsCheckMode: true,
  spec: { options: { msg: { type: 'raw' }, var: { type: 'str' }, verbosity: { type: 'int', default: 0 } }, mutuallyExclusive: [['msg', 'var']] },
  async run(args, ctx) {
    const verbosity = Number(args['verbosity'] ?? 0);
    if (ctx.verbosity < verbosity) return { changed: false, skipped: true, skipped_reason: 'Verbosity threshold not met.' };
    const result: ModuleResult = { changed: false, _ansible_verbose_always: true };
    if (args['var'] !== null) {
      const name = String(args['var']);
      let value: unknown;
      try {
        value = ctx.evaluate(name);
      } catch {
        value = new Undefined(name, '');
      }
      result[name] = value instanceof Undefined ? 'VARIABLE IS NOT DEFINED!' : value;
    } else {
      result.msg = args['msg'] === null ? 'Hello world!' : (args['msg'] as string);
    }
    return result;
  },
});

export const setFact: ModuleDefinition = defineModule({
  name: 'set_fact',
  controllerOnly: true,
  supportsCheckMode: true,
  spec: { options: { cacheable: { type: 'bool', default: false } }, freeKeys: true },
  async run(args) {
    const facts: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(args)) if (k !== 'cacheable') facts[k] = v;
    if (Object.keys(facts).length === 0) return { changed: false, failed: true, msg: 'No key/value pairs provided, at least one is required for this action to succeed' };
    return { changed: false, ansible_facts: facts };
  },
});

export const assertModule: ModuleDefinition = defineModule({
  name: 'assert',
  controllerOnly: true,
  supportsCheckMode: true,
  spec: {
    options: {
      that: { type: 'list', required: true },
      fail_msg: { type: 'raw', aliases: ['msg'] },
      success_msg: { type: 'raw' },
      quiet: { type: 'bool', default: false },
    },
  },
  async run(args, ctx) {
    for (const condition of args['that'] as unknown[]) {
      let ok: boolean;
      if (typeof condition === 'boolean') ok = condition;
      else {
        const text = pyStr(condition).trim().replace(/^\{\{([\s\S]*)\}\}$/, '$1');
        const value = ctx.evaluate(text);
        ok = typeof value === 'string' ? !['false', 'no', 'off', '0', ''].includes(value.toLowerCase()) : Boolean(value) && !(Array.isArray(value) && value.length === 0);
      }
      if (!ok) {
        return { changed: false, failed: true, assertion: condition, evaluated_to: false, msg: args['fail_msg'] === null ? 'Assertion failed' : args['fail_msg'] };
      }
    }
    const result: ModuleResult = { changed: false, msg: args['success_msg'] === null ? 'All assertions passed' : args['success_msg'] };
    if (!args['quiet']) result['_ansible_verbose_always'] = true;
    return result;
  },
});

export const fail: ModuleDefinition = defineModule({
  name: 'fail',
  controllerOnly: true,
  supportsCheckMode: true,
  spec: { options: { msg: { type: 'raw', default: 'Failed as requested from task' } } },
  async run(args) {
    return { changed: false, failed: true, msg: args['msg'] as string };
  },
});

export const pause: ModuleDefinition = defineModule({
  name: 'pause',
  controllerOnly: true,
  supportsCheckMode: true,
  spec: { options: { seconds: { type: 'raw' }, minutes: { type: 'raw' }, prompt: { type: 'str' }, echo: { type: 'bool', default: true } }, mutuallyExclusive: [['minutes', 'seconds']] },
  async run(args) {
    const seconds = args['minutes'] !== null ? Number(args['minutes']) * 60 : args['seconds'] !== null ? Number(args['seconds']) : 0;
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
      echo: args['echo'],
      stderr: '',
      stdout: args['minutes'] !== null ? `Paused for ${Number(args['minutes'])} minutes` : `Paused for ${seconds} seconds`,
      user_input: '',
      elapsed: pyTimedelta(stop.getTime() - start.getTime()),
    };
  },
});

export const ping: ModuleDefinition = defineModule({
  name: 'ping',
  supportsCheckMode: true,
  spec: { options: { data: { type: 'str', default: 'pong' } } },
  async run(args, ctx) {
    if (args['data'] === 'crash') return { changed: false, failed: true, msg: 'boom' };
    const r = await ctx.conn.exec(['true'], { become: ctx.become });
    if (r.rc !== 0) return { changed: false, failed: true, msg: r.stderr || 'ping failed' };
    return { changed: false, ping: args['data'] };
  },
});

function collectVarFiles(dir: string, depth: number, matching: RegExp | undefined, ignore: string[], extensions: string[], level = 1): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) {
      if (depth === 0 || level < depth) out.push(...collectVarFiles(full, depth, matching, ignore, extensions, level + 1));
      continue;
    }
    if (ignore.includes(entry)) continue;
    if (!extensions.includes(path.extname(entry).slice(1))) continue;
    if (matching && !matching.test(entry)) continue;
    out.push(full);
  }
  return out;
}

export const includeVars: ModuleDefinition = defineModule({
  name: 'include_vars',
  controllerOnly: true,
  supportsCheckMode: true,
  spec: {
    options: {
      _raw_params: { type: 'str' },
      file: { type: 'path' },
      dir: { type: 'path' },
      name: { type: 'str' },
      depth: { type: 'int', default: 0 },
      files_matching: { type: 'str' },
      ignore_files: { type: 'list', elements: 'str', default: [] },
      extensions: { type: 'list', elements: 'str', default: ['json', 'yaml', 'yml'] },
      ignore_unknown_extensions: { type: 'bool', default: false },
      hash_behaviour: { type: 'str', choices: ['replace', 'merge'] },
    },
  },
  async run(args, ctx) {
    const files: string[] = [];
    if (args['dir'] !== null) {
      const dir = ctx.findFile('vars', String(args['dir']));
      if (!dir || !statSync(dir).isDirectory()) return { changed: false, failed: true, msg: `${String(args['dir'])} directory does not exist` };
      files.push(...collectVarFiles(dir, Number(args['depth']), args['files_matching'] ? new RegExp(String(args['files_matching'])) : undefined, args['ignore_files'] as string[], args['extensions'] as string[]));
    } else {
      const name = String(args['file'] ?? args['_raw_params'] ?? '');
      const file = ctx.findFile('vars', name);
      if (!file || !existsSync(file)) return { changed: false, failed: true, msg: `Could not find or access '${name}'` };
      files.push(file);
    }
    const loaded: Record<string, unknown> = {};
    for (const file of files) Object.assign(loaded, ctx.loadVarsFile(file));
    const facts = args['name'] !== null ? { [String(args['name'])]: loaded } : loaded;
    return { changed: false, ansible_facts: facts, ansible_included_var_files: files };
  },
});

/** The check Ansible inserts before a role with meta/argument_specs.yml. */
export const validateArgumentSpec: ModuleDefinition = defineModule({
  name: 'validate_argument_spec',
  controllerOnly: true,
  supportsCheckMode: true,
  spec: { options: { argument_spec: { type: 'dict', required: true }, provided_arguments: { type: 'dict' }, validate_args_context: { type: 'dict' } } },
  async run(args, ctx) {
    const options = args['argument_spec'] as Record<string, Record<string, unknown>>;
    const spec: ArgumentSpec = { options: {} };
    const provided: Record<string, unknown> = {};
    for (const [name, opt] of Object.entries(options)) {
      spec.options[name] = {
        ...(opt['type'] ? { type: String(opt['type']) as ArgType } : {}),
        ...(opt['required'] ? { required: true } : {}),
        ...(Array.isArray(opt['choices']) ? { choices: opt['choices'] } : {}),
        ...(opt['elements'] ? { elements: String(opt['elements']) as ArgType } : {}),
      };
      const value = isDict(args['provided_arguments']) ? args['provided_arguments'][name] : ctx.variable(name);
      if (value !== undefined && !(value instanceof Undefined)) provided[name] = value;
    }
    try {
      validateArgs('validate_argument_spec', spec, provided);
    } catch (e) {
      if (!(e instanceof ArgumentError)) throw e;
      const context = isDict(args['validate_args_context']) ? args['validate_args_context'] : {};
      return {
        changed: false,
        failed: true,
        argument_errors: [e.message],
        argument_spec_data: options,
        validate_args_context: context,
        msg: `Validation of arguments failed:\n${e.message}`,
      };
    }
    return { changed: false, msg: 'The arg spec validation passed', validate_args_context: args['validate_args_context'] };
  },
});

/** Names the engine handles itself; listed so that tasks using them load. */
const engineHandled = (name: string): ModuleDefinition =>
  defineModule({ name, controllerOnly: true, supportsCheckMode: true, spec: { options: {} }, async run() {
    return { changed: false };
  } });

export const engineModules: ModuleDefinition[] = ['meta', 'include_tasks', 'include_role', 'import_tasks', 'import_role'].map(engineHandled);
