/**
 * The Docker lab: containers that behave like intranet GPU servers, for trying the roles before
 * real machines.
 *
 *   const lab = await Lab.up({ name: 'dev', nodes: 2, nicNames: ['eno1', 'ens3'], onProgress: console.log });
 *   await lab.writeInventory();        // for `playbook run -i` and ansible-playbook
 *   await lab.exec('node2', ['nvidia-smi', '-L']);
 *   await lab.down();
 *
 * `up` reconciles: it makes what is missing, keeps what matches (same containers on a second run),
 * recreates a node whose settings or image changed, and removes nodes past --nodes. The engine's
 * labels are the truth about what exists; the lab's files (key, known_hosts, inventory, settings)
 * live in the state directory (see state.ts).
 */
import path from 'node:path';
import type Docker from 'dockerode';
import { ensureBaseImage } from '../docker/base-image.js';
import { withBuildLock } from '../docker/build-lock.js';
import { connectEngine } from '../docker/engine.js';
import { type RemovedResources, SCOPE_LABEL, removeScope } from '../docker/labels.js';
import { NODE_USER } from '../docker/sshd-image.js';
import { type ExecInContainerOptions, StartedContainer, type TextExecResult } from '../docker/started-container.js';
import { renderInventory, renderKnownHosts, sshOptions } from './inventory.js';
import { ensureAptRepo } from './apt-repo.js';
import { type Mirror, type ModelHub, describeMirror, ensureMirror, modelHub, MIRROR_URL } from './mirror.js';
import { DEFAULT_HUB_MODELS, DEFAULT_LAB_NAME, DEFAULT_NIC, type HubModel, checkHubModel, checkLabName, checkNicName, labFilter, resourceNames, type LabResourceNames } from './names.js';
import { ensureLabNetworks } from './networks.js';
import { ensureNodeImage } from './node-image.js';
import { type LabNode, hostKeyOf, nodeFromSummary } from './nodes.js';
import { reconcileNodes } from './reconcile.js';
import { type LabInit, type LabPaths, type LabSettings, ensureLabKey, labPaths, readSettings, removeLabFiles, writeAtomic, writeSettings } from './state.js';

export interface LabOpenOptions {
  /** The lab's name (default 'default'); its Docker scope is lab-NAME. */
  name?: string;
  /** The directory holding the labs' state directories (default: see labsRoot()). */
  stateRoot?: string;
  docker?: Docker;
}

export interface LabUpOptions extends LabOpenOptions {
  /** How nodes boot: systemd as PID 1 (default), or `plain` for hosts without systemd (default: as last time). */
  init?: LabInit;
  /** Number of nodes (default: as at the last `up`, else 2). node1 is the Ray head. */
  nodes?: number;
  /** Simulated GPUs per node (default: as last time, else 1). */
  gpusPerNode?: number;
  /** The cluster NIC's name on each node; nodes past the list take its last name (default ['eno1']). */
  nicNames?: string[];
  /** The wheelhouse to serve and mount; false: no mirror; default: ensureWheelhouse()'s directory. */
  wheelhouse?: string | false;
  /**
   * The models the mirror's hub serves to the real huggingface_hub and modelscope clients, each the
   * files `seed-model` writes (default: as last time, else Qwen/Qwen3-0.6B at seed-model's 50 MiB).
   */
  hubModels?: HubModel[];
  /** /dev/shm of each node in MiB (default: as last time, else 2048; Ray's object store lives there). */
  shmSizeMb?: number;
  /** Deadline for one node's sshd to answer after its start (default 120 s). */
  startupTimeoutMs?: number;
  /** One line per step: image builds, wheel downloads, nodes. */
  onProgress?: (line: string) => void;
}

export interface LabStatus {
  name: string;
  scope: string;
  stateDir: string;
  nodes: LabNode[];
  /** With the model hub it serves (its endpoints and model ids). */
  mirror?: { container: string; state: string; url: string; hub?: ModelHub };
  networks: { management?: string; cluster?: string };
}

export interface SeedModelResult {
  path: string;
  name: string;
  changed: boolean;
  files: string[];
}

/** LabSettings.wheelhouse for the package's own wheelhouse (ensureWheelhouse). */
const DEFAULT_WHEELHOUSE = 'default';

const DEFAULTS = { nodes: 2, init: 'systemd', gpusPerNode: 1, shmSizeMb: 2048, startupTimeoutMs: 120_000 } as const;

export function checkInit(value: string): LabInit {
  if (value !== 'systemd' && value !== 'plain') throw new Error(`init must be systemd or plain, not ${value}`);
  return value;
}

function checkCount(what: string, value: number, max: number): number {
  if (!Number.isInteger(value) || value < 1 || value > max) throw new Error(`${what} must be a whole number from 1 to ${max}, not ${value}`);
  return value;
}

async function defaultWheelhouse(onProgress: (line: string) => void): Promise<string> {
  const { ensureWheelhouse } = await import('./wheelhouse.js');
  return ensureWheelhouse({ onProgress });
}

export class Lab {
  readonly names: LabResourceNames;

  private constructor(
    readonly name: string,
    readonly paths: LabPaths,
    readonly docker: Docker,
  ) {
    this.names = resourceNames(name);
  }

  /** Docker scope of every resource of the lab: lab-NAME. */
  get scope(): string {
    return this.names.scope;
  }

  get inventoryPath(): string {
    return this.paths.inventory;
  }

  /** A handle on lab `name` (which may or may not be up); changes nothing. */
  static async open(options: LabOpenOptions = {}): Promise<Lab> {
    const name = checkLabName(options.name ?? DEFAULT_LAB_NAME);
    return new Lab(name, labPaths(name, options.stateRoot), options.docker ?? (await connectEngine()));
  }

  /** Brings the lab to the asked shape and returns it with its inventory written. */
  static async up(options: LabUpOptions = {}): Promise<Lab> {
    const lab = await Lab.open(options);
    await withBuildLock(`lab-${lab.name}`, () => lab.reconcile(options), {
      onWait: (pid) => options.onProgress?.(`waiting for process ${pid ?? '?'}, which is changing lab ${lab.name}…`),
    });
    return lab;
  }

  /** Removes every container, network and volume labelled with the lab's scope, and its files. */
  static async down(options: LabOpenOptions = {}): Promise<RemovedResources> {
    return (await Lab.open(options)).down();
  }

  /** The settings asked for, the ones of the last `up` standing in for those not given. */
  private async settingsFor(options: LabUpOptions): Promise<LabSettings> {
    const previous = await readSettings(this.paths);
    const nicNames = (options.nicNames ?? previous?.nicNames ?? [DEFAULT_NIC]).map(checkNicName);
    if (nicNames.length === 0) throw new Error('nicNames needs at least one name');
    const asked = options.wheelhouse === false ? null : typeof options.wheelhouse === 'string' ? path.resolve(options.wheelhouse) : options.wheelhouse === undefined && previous ? previous.wheelhouse : DEFAULT_WHEELHOUSE;
    const settings: LabSettings = {
      nodes: checkCount('nodes', options.nodes ?? previous?.nodes ?? DEFAULTS.nodes, 32),
      init: checkInit(options.init ?? previous?.init ?? DEFAULTS.init),
      gpusPerNode: checkCount('gpus per node', options.gpusPerNode ?? previous?.gpusPerNode ?? DEFAULTS.gpusPerNode, 16),
      nicNames,
      shmSizeMb: checkCount('shm size (MiB)', options.shmSizeMb ?? previous?.shmSizeMb ?? DEFAULTS.shmSizeMb, 1024 * 1024),
      wheelhouse: asked,
      wheelhouseDir: null,
      hubModels: (options.hubModels ?? previous?.hubModels ?? [...DEFAULT_HUB_MODELS]).map(checkHubModel),
    };
    return settings;
  }

  private async reconcile(options: LabUpOptions): Promise<void> {
    const onProgress = options.onProgress ?? (() => {});
    const started = Date.now();
    const settings = await this.settingsFor(options);
    const plural = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;
    onProgress(`lab ${this.name}: ${plural(settings.nodes, 'node')} (${settings.init ?? DEFAULTS.init}) with ${plural(settings.gpusPerNode, 'GPU')} each, cluster NIC ${settings.nicNames.join(',')}; state in ${this.paths.dir}`);
    const key = await ensureLabKey(this.paths, this.name);
    // The image build and the wheel downloads run side by side; both report their steps.
    const wheelhouseP = settings.wheelhouse === DEFAULT_WHEELHOUSE ? defaultWheelhouse((line) => onProgress(`wheelhouse: ${line}`)) : Promise.resolve(settings.wheelhouse);
    const [image, wheelhouse] = await Promise.all([ensureNodeImage({ docker: this.docker, onProgress }), wheelhouseP.catch((e: unknown) => Promise.reject(wheelhouseError(e)))]);
    settings.wheelhouseDir = wheelhouse;
    const networks = await ensureLabNetworks(this.docker, this.name, this.names, onProgress);
    const startupTimeoutMs = options.startupTimeoutMs ?? DEFAULTS.startupTimeoutMs;
    let mirror: Mirror | undefined;
    if (wheelhouse !== null) {
      const base = await ensureBaseImage({ docker: this.docker, onProgress });
      const aptRepo = await ensureAptRepo({ docker: this.docker, nodeImage: image, onProgress });
      mirror = await ensureMirror({ docker: this.docker, labName: this.name, names: this.names, image: base, wheelhouse, aptRepo, networkIds: [networks.management.id], startupTimeoutMs, ...(settings.hubModels ? { hubModels: settings.hubModels } : {}) }, onProgress);
    } else {
      await this.removeMirror();
    }
    const hostKeys = await reconcileNodes(
      {
        docker: this.docker,
        labName: this.name,
        names: this.names,
        image,
        clusterSubnet: networks.cluster.subnet,
        networkIds: [networks.management.id, networks.cluster.id],
        wheelhouse,
        shmBytes: settings.shmSizeMb * 1024 * 1024,
        init: settings.init ?? DEFAULTS.init,
        startupTimeoutMs,
      },
      settings,
      key,
      onProgress,
    );
    await writeSettings(this.paths, settings);
    await this.writeInventory(mirror, hostKeys);
    const nodes = await this.nodes();
    onProgress(`lab ${this.name} is up in ${((Date.now() - started) / 1000).toFixed(1)} s: ${nodes.map((n) => `${n.name} ssh 127.0.0.1:${n.sshPort ?? '?'} cluster ${n.nic} ${n.clusterIp ?? '?'}`).join('; ')}`);
    onProgress(`inventory: ${this.paths.inventory}`);
  }

  private async removeMirror(): Promise<void> {
    for (const c of await this.docker.listContainers({ all: true, filters: labFilter(this.name, 'mirror') })) await this.docker.getContainer(c.Id).remove({ force: true, v: true });
  }

  /** The lab's nodes as the engine reports them, by index. */
  async nodes(): Promise<LabNode[]> {
    const list = await this.docker.listContainers({ all: true, filters: labFilter(this.name, 'node') });
    return list
      .map((c) => nodeFromSummary(c, this.names))
      .filter((n): n is LabNode => n !== undefined)
      .sort((a, b) => a.index - b.index);
  }

  /** One node, by name (node1), index (1) or container name. */
  async node(which: string | number): Promise<LabNode> {
    const nodes = await this.nodes();
    const found = nodes.find((n) => n.name === String(which) || n.index === Number(which) || n.container === String(which));
    if (!found) {
      const hint = nodes.length ? `it has ${nodes.map((n) => n.name).join(', ')}` : `is it up? \`playbook lab up${this.name === DEFAULT_LAB_NAME ? '' : ` --name ${this.name}`}\``;
      throw new Error(`lab ${this.name} has no node '${which}' (${hint})`);
    }
    return found;
  }

  async status(): Promise<LabStatus> {
    const [nodes, mirrors, networks, settings] = await Promise.all([
      this.nodes(),
      this.docker.listContainers({ all: true, filters: labFilter(this.name, 'mirror') }),
      this.docker.listNetworks({ filters: JSON.stringify({ label: [`${SCOPE_LABEL}=${this.scope}`] }) }),
      readSettings(this.paths),
    ]);
    const subnet = (name: string): string | undefined => networks.find((n) => n.Name === name)?.IPAM?.Config?.[0]?.Subnet;
    const mirror = mirrors[0];
    const management = subnet(this.names.management);
    const cluster = subnet(this.names.cluster);
    return {
      name: this.name,
      scope: this.scope,
      stateDir: this.paths.dir,
      nodes,
      ...(mirror ? { mirror: { container: (mirror.Names[0] ?? mirror.Id).replace(/^\//, ''), state: mirror.State, url: MIRROR_URL, hub: modelHub(settings?.hubModels) } } : {}),
      networks: { ...(management ? { management } : {}), ...(cluster ? { cluster } : {}) },
    };
  }

  /**
   * Writes the inventory and known_hosts for the nodes as they are now (a node restarted with
   * `docker restart` gets another published SSH port; its host key stays) and returns its path.
   */
  async writeInventory(mirror?: Mirror, hostKeys?: readonly { port: number; hostKey: string }[]): Promise<string> {
    const nodes = await this.nodes();
    if (nodes.length === 0) throw new Error(`lab ${this.name} has no nodes: run \`playbook lab up${this.name === DEFAULT_LAB_NAME ? '' : ` --name ${this.name}`}\` first`);
    const keys =
      hostKeys ??
      (await Promise.all(
        nodes.flatMap((n) => (n.sshPort === undefined ? [] : [{ name: n.name, port: n.sshPort }])).map(async (n) => ({ port: n.port, hostKey: await hostKeyOf(await this.container(n.name)) })),
      ));
    await writeAtomic(this.paths.knownHosts, renderKnownHosts(keys));
    let served = mirror;
    if (!served) {
      const settings = await readSettings(this.paths);
      const status = await this.status();
      if (status.mirror && settings?.wheelhouseDir) served = await describeMirror(status.mirror.container, settings.wheelhouseDir, settings.hubModels);
    }
    await writeAtomic(this.paths.inventory, renderInventory({ labName: this.name, nodes, paths: this.paths, mirror: served }));
    return this.paths.inventory;
  }

  private async container(which: string | number): Promise<StartedContainer> {
    const node = await this.node(which);
    if (node.state !== 'running') throw new Error(`node ${node.name} of lab ${this.name} is ${node.state}, not running (\`playbook lab up\` starts it)`);
    const container = this.docker.getContainer(node.containerId);
    return new StartedContainer(this.docker, container, await container.inspect());
  }

  /** Runs a command on a node through the engine (root unless options.user): argv, or a string for /bin/sh -c. */
  async exec(which: string | number, command: string | readonly string[], options: ExecInContainerOptions = {}): Promise<TextExecResult> {
    return (await this.container(which)).exec(command, options);
  }

  /** The `ssh` command line that logs in to a node as the lab's user, with the lab's key and known_hosts. */
  async sshArgs(which: string | number, remoteCommand: readonly string[] = []): Promise<string[]> {
    const node = await this.node(which);
    if (node.sshPort === undefined) throw new Error(`node ${node.name} of lab ${this.name} is ${node.state}: no SSH port`);
    return ['-i', this.paths.privateKey, ...sshOptions(this.paths), '-p', String(node.sshPort), `${NODE_USER}@127.0.0.1`, ...remoteCommand];
  }

  /** Writes the synthetic model folder at `modelPath` on a node (lab/standins/seed-model). */
  async seedModel(which: string | number, modelPath: string, options: { sizeMb?: number; name?: string } = {}): Promise<SeedModelResult> {
    if (!path.posix.isAbsolute(modelPath)) throw new Error(`the model path must be absolute, not '${modelPath}'`);
    const argv = ['seed-model', modelPath, '--size-mb', String(options.sizeMb ?? 50), '--json', ...(options.name ? ['--name', options.name] : [])];
    const r = await this.exec(which, argv, { timeoutMs: 300_000 });
    if (r.rc !== 0) throw new Error(`seed-model on ${String(which)} failed (exit ${String(r.rc)}): ${(r.stderr || r.stdout).trim()}`);
    const last = r.stdout.trim().split('\n').pop() ?? '';
    return JSON.parse(last) as SeedModelResult;
  }

  /** Removes every container, network and volume of the lab's scope, then its state directory. */
  async down(): Promise<RemovedResources> {
    const removed = await removeScope(this.scope, this.docker);
    await removeLabFiles(this.paths);
    return removed;
  }
}

function wheelhouseError(e: unknown): Error {
  const why = e instanceof Error ? e.message : String(e);
  return new Error(`the wheelhouse for the lab's package mirror is not ready: ${why} (a lab without the mirror: \`playbook lab up --no-mirror\`, or wheelhouse: false)`, { cause: e });
}
