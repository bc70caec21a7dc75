/** The `playbook` command: run, validate, inventory, lab. Exit codes are ansible-playbook's. */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { readHidden } from '../connection/passphrase.js';
import { loadAnsibleConfig } from '../config/ansible-cfg.js';
import { registerLabCommands } from './lab.js';
import { PlaybookNotFoundError, bundledNotice, packageInfo, resolvePlaybooks } from './bundled.js';
import { createModuleRegistry, loadPlaybooks, parseExtraVars, runPlaybook } from '../executor/run.js';
import { withOwnTags } from '../executor/tags.js';
import { taskTitle } from '../executor/task-title.js';
import { InventoryError, formatInventoryJson, loadInventory } from '../inventory/index.js';
import { JsonLinesReporter, TextReporter } from '../output/text.js';
import { sourceExcerpt } from '../output/source-excerpt.js';
import { PlaybookError, PlaybookErrors, RunError, formatLocation } from '../playbook/errors.js';
import type { Playbook, TaskNode } from '../playbook/model.js';
import { TemplateError } from '../template/errors.js';
import { pyStr } from '../python/values.js';

const EXIT = { ok: 0, error: 1, failed: 2, parser: 4, badOption: 5, interrupted: 99, unknown: 250 } as const;

/**
 * The files the playbook arguments name (see bundled.ts); a bundled one is announced on one line
 * before anything runs: on stdout with the text output, on stderr beside the JSON stream.
 */
function resolveAndAnnounce(given: string[], cwd: string, say: (line: string) => void): string[] {
  const resolved = resolvePlaybooks(given, cwd);
  for (const p of resolved) if (p.bundled) say(bundledNotice(p, cwd) + '\n');
  return resolved.map((p) => p.file);
}

/** PLAYBOOK_PROGRESS_INTERVAL: seconds between the "still running" lines of a long task (default 10; 0: none). */
function progressInterval(env: NodeJS.ProcessEnv = process.env): number {
  const text = env['PLAYBOOK_PROGRESS_INTERVAL']?.trim();
  const value = text ? Number(text) : Number.NaN;
  return Number.isFinite(value) && value >= 0 ? value : 10;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];
const splitList = (values: string[]): string[] => values.flatMap((v) => v.split(',')).map((s) => s.trim()).filter(Boolean);

function printError(e: unknown): number {
  if (e instanceof PlaybookNotFoundError) {
    process.stderr.write(`ERROR! ${e.message}\n`);
    return EXIT.error;
  }
  if (e instanceof PlaybookErrors) {
    for (const err of e.errors) process.stderr.write(`ERROR! ${err.message}\n`);
    return EXIT.parser;
  }
  if (e instanceof RunError) {
    // Ansible 2.19's form for an error that ends the run: the message, then where its task is.
    const excerpt = e.location ? sourceExcerpt(e.location.file, e.location.line, e.location.column) : [];
    process.stderr.write(`[ERROR]: ${e.detail}\n${e.location ? `Origin: ${formatLocation(e.location)}\n` : ''}${excerpt.length ? `\n${excerpt.join('\n')}\n\n` : ''}`);
    return EXIT.error;
  }
  if (e instanceof PlaybookError || e instanceof TemplateError || e instanceof InventoryError) {
    process.stderr.write(`ERROR! ${e.message}\n`);
    return EXIT.parser;
  }
  process.stderr.write(`ERROR! Unexpected Exception: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  return EXIT.unknown;
}

function listTasks(playbooks: Playbook[], tags: boolean): string {
  let out = '';
  for (const pb of playbooks) {
    out += `\nplaybook: ${pb.file}\n`;
    pb.plays.forEach((play, i) => {
      const playTags = withOwnTags([], play.keywords['tags']);
      out += `\n  play #${i + 1} (${pyStr(play.hosts)}): ${play.name ?? pyStr(play.hosts)}\tTAGS: [${playTags.join(', ')}]\n`;
      const allTags = new Set(playTags);
      if (!tags) out += '    tasks:\n';
      const visit = (nodes: TaskNode[], outer: string[]): void => {
        for (const n of nodes) {
          const effective = withOwnTags(outer, n.keywords['tags']);
          if (n.kind === 'block') {
            visit(n.block, effective);
            visit(n.rescue, effective);
            visit(n.always, effective);
          } else {
            effective.forEach((t) => allTags.add(t));
            if (!tags) out += `      ${taskTitle(n)}\tTAGS: [${effective.join(', ')}]\n`;
          }
        }
      };
      for (const role of play.roles) visit(role.tasks, withOwnTags([], role.keywords['tags']));
      visit([...play.preTasks, ...play.tasks, ...play.postTasks], playTags);
      if (tags) out += `      TASK TAGS: [${[...allTags].sort().join(', ')}]\n`;
    });
  }
  return out;
}

export async function main(argv: string[]): Promise<number> {
  const program = new Command('playbook')
    .description('Run Ansible-style playbooks: idempotent tasks over SSH on many hosts, fast.')
    .version(packageInfo().version, '--version')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  let exitCode: number = EXIT.ok;

  program
    .command('run')
    .description('run playbooks against an inventory (ansible-playbook)')
    .argument('<playbook...>', 'playbook files')
    .option('-i, --inventory <source>', 'inventory file, directory or host list (repeatable)', collect, [])
    .option('-l, --limit <pattern>', 'limit to hosts matching the pattern')
    .option('-t, --tags <tags>', 'only run tasks tagged with these (repeatable, comma separated)', collect, [])
    .option('--skip-tags <tags>', 'skip tasks tagged with these', collect, [])
    .option('-e, --extra-vars <vars>', 'key=value, @file or JSON/YAML (repeatable)', collect, [])
    .option('-f, --forks <n>', 'parallel hosts', (v) => Number(v))
    .option('-C, --check', "don't change anything, report what would change")
    .option('-D, --diff', 'show differences in changed files')
    .option('-v, --verbose', 'more output (-vvvv for the most)', (_v, prev: number) => prev + 1, 0)
    .option('--list-hosts', 'list the hosts each play would run on')
    .option('--list-tasks', 'list the tasks each play would run')
    .option('--list-tags', 'list all tags')
    .option('--syntax-check', 'check the playbooks and stop')
    .option('--strict', 'refuse the playbooks for anything the up-front check finds (as validate), not only what Ansible cannot parse')
    .option('--start-at-task <name>', 'start at the task with this name')
    .option('--force-handlers', 'run handlers even on failed hosts')
    .option('-K, --ask-become-pass', 'ask for the become password (or read PLAYBOOK_BECOME_PASSWORD, or stdin when not a terminal)')
    .option('-b, --become', 'run operations with become (below the become keywords and ansible_become)')
    .option('--become-user <user>', 'become this user (default root)')
    .option('--become-method <method>', 'privilege escalation method (sudo, su)')
    .option('-u, --user <user>', 'connect as this user (below ansible_user and remote_user)')
    .option('--private-key <file>', 'the SSH private key to use')
    .option('-T, --timeout <seconds>', 'SSH connect timeout in seconds', (v) => Number(v))
    .addOption(new Option('--json', 'one JSON event per line instead of text'))
    .action(async (given: string[], o: Record<string, unknown>) => {
      const cwd = process.cwd();
      const config = loadAnsibleConfig(cwd);
      const inventorySources = (o['inventory'] as string[]).length ? (o['inventory'] as string[]) : config.inventory;
      try {
        const playbooks = resolveAndAnnounce(given, cwd, (line) => (o['json'] ? process.stderr : process.stdout).write(line));
        if (o['syntaxCheck'] || o['listTasks'] || o['listTags'] || o['listHosts']) {
          const modules = createModuleRegistry();
          const { playbooks: loaded, warnings } = loadPlaybooks(playbooks, modules, config, cwd, { strict: Boolean(o['strict']), extraVars: parseExtraVars(o['extraVars'] as string[], cwd) });
          for (const w of warnings) process.stderr.write(`[WARNING]: ${w.message}\n`);
          if (o['syntaxCheck']) process.stdout.write(`\nplaybook: ${loaded.map((p) => p.file).join(', ')}\n`);
          if (o['listTasks'] || o['listTags']) process.stdout.write(listTasks(loaded, Boolean(o['listTags'])));
          if (o['listHosts']) {
            const inventory = await loadInventory(inventorySources, { cwd });
            for (const pb of loaded) {
              process.stdout.write(`\nplaybook: ${pb.file}\n`);
              pb.plays.forEach((play, i) => {
                let hosts = inventory.resolvePattern(pyStr(play.hosts));
                if (o['limit']) {
                  const limited = new Set(inventory.resolvePattern(String(o['limit'])));
                  hosts = hosts.filter((h) => limited.has(h));
                }
                process.stdout.write(`\n  play #${i + 1} (${pyStr(play.hosts)}): ${play.name ?? pyStr(play.hosts)}\tTAGS: []\n    pattern: ['${pyStr(play.hosts)}']\n    hosts (${hosts.length}):\n`);
                for (const h of hosts) process.stdout.write(`      ${h}\n`);
              });
            }
          }
          exitCode = EXIT.ok;
          return;
        }
        const verbosity = Number(o['verbose'] ?? 0);
        const reporter = o['json']
          ? new JsonLinesReporter((s) => process.stdout.write(s))
          : new TextReporter({
              write: (s) => process.stdout.write(s),
              writeError: (s) => process.stderr.write(s),
              color: Boolean(process.stdout.isTTY) && !process.env['NO_COLOR'] && process.env['ANSIBLE_NOCOLOR'] === undefined,
              verbosity,
              diff: Boolean(o['diff']),
              progress: { tty: Boolean(process.stdout.isTTY), intervalSeconds: progressInterval(), columns: () => process.stdout.columns },
            });
        let becomePassword: string | undefined;
        if (o['askBecomePass']) {
          // As ansible-playbook -K: asked on the terminal; without one, from the environment or stdin.
          becomePassword = process.env['PLAYBOOK_BECOME_PASSWORD'] ?? (process.stdin.isTTY ? await readHidden('BECOME password: ') : readFileSync(0, 'utf8').split('\n')[0]);
        }
        const result = await runPlaybook({
          playbooks,
          inventory: inventorySources,
          ...(o['limit'] ? { limit: String(o['limit']) } : {}),
          tags: splitList(o['tags'] as string[]),
          skipTags: splitList(o['skipTags'] as string[]),
          extraVars: o['extraVars'] as string[],
          check: Boolean(o['check']),
          diff: Boolean(o['diff']),
          ...(o['forks'] ? { forks: Number(o['forks']) } : {}),
          verbosity,
          ...(o['startAtTask'] ? { startAtTask: String(o['startAtTask']) } : {}),
          forceHandlers: Boolean(o['forceHandlers']),
          ...(becomePassword !== undefined ? { becomePassword } : {}),
          connectionDefaults: {
            ...(o['user'] ? { ansible_user: String(o['user']) } : {}),
            ...(o['privateKey'] ? { ansible_ssh_private_key_file: String(o['privateKey']) } : {}),
            ...(o['timeout'] ? { ansible_timeout: Number(o['timeout']) } : {}),
            ...(o['become'] ? { ansible_become: true } : {}),
            ...(o['becomeUser'] ? { ansible_become_user: String(o['becomeUser']) } : {}),
            ...(o['becomeMethod'] ? { ansible_become_method: String(o['becomeMethod']) } : {}),
          },
          cwd,
          config,
          strict: Boolean(o['strict']),
          reporters: [reporter],
        }).finally(() => {
          // A run that ended without its recap (an exception) leaves no timer and no status line.
          if (reporter instanceof TextReporter) reporter.close();
        });
        exitCode = result.exitCode;
      } catch (e) {
        exitCode = printError(e);
      }
    });

  program
    .command('validate')
    .description('check playbooks (schema, modules, arguments, roles, files) and report every problem')
    .argument('<playbook...>', 'playbook files')
    .action((given: string[]) => {
      const cwd = process.cwd();
      try {
        const playbooks = resolveAndAnnounce(given, cwd, (line) => process.stdout.write(line));
        // Strict: what a run would only warn about (and fail on when the task runs) is an error here.
        loadPlaybooks(playbooks, createModuleRegistry(), loadAnsibleConfig(cwd), cwd, { strict: true });
        process.stdout.write(`${given.join(', ')}: ok\n`);
        exitCode = EXIT.ok;
      } catch (e) {
        exitCode = printError(e);
      }
    });

  program
    .command('inventory')
    .description('show an inventory as ansible-inventory does')
    .option('-i, --inventory <source>', 'inventory source (repeatable)', collect, [])
    .option('--list', 'all hosts and groups as JSON')
    .option('--graph [group]', 'the group tree')
    .option('--host <host>', "one host's variables as JSON")
    .option('--vars', 'with --graph: show variables')
    .action(async (o: Record<string, unknown>) => {
      const cwd = process.cwd();
      try {
        const sources = (o['inventory'] as string[]).length ? (o['inventory'] as string[]) : loadAnsibleConfig(cwd).inventory;
        const inventory = await loadInventory(sources, { cwd });
        // Printed exactly as ansible-inventory prints them (key order, indentation, non-ASCII as is).
        if (o['host']) process.stdout.write(formatInventoryJson(inventory.hostJson(String(o['host']))) + '\n');
        else if (o['graph'] !== undefined) process.stdout.write(inventory.toGraph(typeof o['graph'] === 'string' ? o['graph'] : 'all', Boolean(o['vars'])) + '\n');
        else if (o['list']) process.stdout.write(formatInventoryJson(inventory.toListJson()) + '\n');
        else {
          process.stderr.write('ERROR! No action selected, at least one of --host, --graph or --list needs to be specified.\n');
          exitCode = EXIT.badOption;
          return;
        }
        exitCode = EXIT.ok;
      } catch (e) {
        exitCode = e instanceof InventoryError ? (process.stderr.write(`ERROR! ${e.message}\n`), EXIT.error) : printError(e);
      }
    });

  registerLabCommands(program, (code) => (exitCode = code));

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT.ok;
      return EXIT.badOption;
    }
    throw e;
  }
  return exitCode;
}
