/**
 * Turning `-i` arguments into inventory data, in Ansible's order: each source in turn into one
 * graph; a directory contributes every file in it (sorted, recursively, minus Ansible's ignored
 * names and extensions); a string with a comma that is not a path is a host list (`a,b,`). A file
 * is tried as YAML/JSON when its extension allows (none, .yml, .yaml, .json), then as INI.
 *
 * Unlike Ansible, which warns and goes on with an empty inventory, a source that cannot be read is
 * an error: a typo in `-i` should not silently run a playbook against nothing.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseDataText, type DataFile } from './datafile.js';
import { InventoryError, didYouMean, displayPath } from './errors.js';
import { parseAddress } from './hostrange.js';
import { parseIniInventory } from './ini.js';
import { InventoryData, compareText } from './model.js';
import { NotYamlInventory, parseYamlInventory } from './yaml.js';

/** Ansible's INVENTORY_IGNORE_EXTS default (REJECT_EXTS + .orig, .cfg, .retry): `.ini` is read. */
const IGNORED_EXTENSIONS = ['.pyc', '.pyo', '.swp', '.bak', '~', '.rpm', '.md', '.txt', '.rst', '.orig', '.cfg', '.retry'];
const IGNORED_NAMES = /^\.|^host_vars$|^group_vars$|^vars_plugins$/;
const YAML_EXTENSIONS = ['', '.yml', '.yaml', '.json'];

export interface ParsedSources {
  data: InventoryData;
  /** Absolute paths of the sources (host lists as given): `ansible_inventory_sources`. */
  sources: string[];
  /** Directories whose group_vars/ and host_vars/ belong to the inventory, in source order. */
  varsDirs: string[];
  warnings: string[];
}

export async function parseSources(sources: readonly string[], cwd: string): Promise<ParsedSources> {
  const data = new InventoryData();
  const warnings: string[] = [];
  const resolved: string[] = [];
  const varsDirs: string[] = [];
  for (const source of sources) {
    if (!source) continue;
    const asPath = path.resolve(cwd, expandUser(source));
    // A comma makes a host list, unless a file of that name exists.
    if (source.includes(',') && !existsSync(asPath)) {
      resolved.push(source);
      parseHostList(source, data);
      continue;
    }
    resolved.push(asPath);
    if (!existsSync(asPath)) {
      throw new InventoryError(`inventory source not found.${nearbyEntry(asPath)}`, { file: displayPath(asPath, cwd) });
    }
    const isDirectory = statSync(asPath).isDirectory();
    varsDirs.push(isDirectory ? asPath : path.dirname(asPath));
    await parseSource(asPath, data, cwd, warnings);
  }
  if (resolved.length === 0) warnings.push('No inventory was parsed, only implicit localhost is available');
  data.reconcile();
  for (const name of data.hosts.keys()) {
    if (data.groups.has(name)) warnings.push(`Found both group and host with same name: ${name}`);
  }
  return { data, sources: resolved, varsDirs, warnings };
}

async function parseSource(file: string, data: InventoryData, cwd: string, warnings: string[]): Promise<void> {
  if (statSync(file).isDirectory()) {
    const entries = (await readdir(file)).sort(compareText);
    for (const entry of entries) {
      if (IGNORED_NAMES.test(entry) || IGNORED_EXTENSIONS.some((ext) => entry.endsWith(ext))) continue;
      await parseSource(path.join(file, entry), data, cwd, warnings);
    }
    return;
  }
  data.currentSource = { file, dir: path.dirname(file) };
  try {
    await parseFile(file, data, displayPath(file, cwd), warnings);
  } finally {
    data.currentSource = undefined;
  }
}

async function parseFile(file: string, data: InventoryData, shown: string, warnings: string[]): Promise<void> {
  const extension = path.extname(file);
  if (extension === '.toml') throw new InventoryError('TOML inventories are not supported: use INI or YAML', { file: shown });
  const text = await readFile(file, 'utf8');
  let yamlFailure: InventoryError | undefined;
  if (YAML_EXTENSIONS.includes(extension)) {
    let parsed: DataFile | undefined;
    try {
      parsed = parseDataText(text, shown);
    } catch (e) {
      if (!(e instanceof InventoryError)) throw e;
      yamlFailure = e;
    }
    if (parsed) {
      try {
        parseYamlInventory(parsed, shown, data, warnings);
        return;
      } catch (e) {
        // Only "not a YAML inventory at all" lets INI have a go; a YAML inventory with a mistake is reported.
        if (!(e instanceof NotYamlInventory)) throw e;
        yamlFailure = e;
      }
    }
  }
  try {
    parseIniInventory(text, shown, data, warnings);
  } catch (e) {
    // Neither plugin could read it: report the error of the format the file was meant to be in.
    if (yamlFailure && e instanceof InventoryError && (extension !== '' || looksLikeYaml(text))) throw yamlFailure;
    throw e;
  }
}

/** `a,b:2222,c` (Ansible's host_list plugin): every non-empty item a host of `ungrouped`. */
function parseHostList(list: string, data: InventoryData): void {
  data.currentSource = { file: list, dir: null };
  try {
    for (const item of list.split(',')) {
      const text = item.trim();
      if (!text) continue;
      const address = parseAddress(text, false);
      const host = address ? address.host : text;
      if (!data.hosts.has(host)) data.addHost(host, 'ungrouped', address?.port);
    }
  } finally {
    data.currentSource = undefined;
  }
}

function expandUser(p: string): string {
  return p === '~' || p.startsWith('~/') ? path.join(os.homedir(), p.slice(1)) : p;
}

/** " Did you mean 'hosts.yml'?" for a missing file whose directory has a similar name. */
function nearbyEntry(missing: string): string {
  try {
    return didYouMean(path.basename(missing), readdirSync(path.dirname(missing)));
  } catch {
    // The directory is missing too: nothing to suggest.
    return '';
  }
}

/** Whether an extension-less file that neither plugin could read was meant as YAML. */
function looksLikeYaml(text: string): boolean {
  const first = text.split(/\r?\n/).find((line) => line.trim() !== '' && !/^\s*[#;]/.test(line)) ?? '';
  return /^(?:---|\{|[^\s=[\]]+:(?:\s|$))/.test(first);
}
