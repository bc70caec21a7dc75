/**
 * `playbook lab ...`: the Docker lab of simulated GPU nodes (src/lab/). Progress goes to stderr,
 * results (tables, paths, command output) to stdout. Errors print `ERROR! ...` and exit 1;
 * `lab exec` and `lab ssh` exit with the remote command's code.
 */
import { spawn } from 'node:child_process';
import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { Lab, type LabStatus, checkInit } from '../lab/index.js';

type SetExit = (code: number) => void;

interface NameOption {
  name?: string;
}

const nameOption = ['--name <name>', "the lab's name (default: default); its containers are lab-NAME-node1, ..."] as const;
const positiveInt = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive whole number, not '${v}'`);
  return n;
};

const positiveNumber = (v: string): number => {
  const n = Number(v);
  if (!(n > 0)) throw new InvalidArgumentError(`expected a positive number, not '${v}'`);
  return n;
};

/** The status as a table: node, container, cluster IP, NIC, SSH port, GPUs, state. */
export function formatStatus(status: LabStatus): string {
  if (status.nodes.length === 0) return `lab ${status.name}: no nodes (\`playbook lab up${status.name === 'default' ? '' : ` --name ${status.name}`}\` starts them)\n`;
  const rows = [
    ['NODE', 'CONTAINER', 'CLUSTER IP', 'NIC', 'SSH PORT', 'GPUS', 'STATE'],
    ...status.nodes.map((n) => [`${n.name}${n.role === 'head' ? ' (head)' : ''}`, n.container, n.clusterIp ?? '-', n.nic, n.sshPort !== undefined ? `127.0.0.1:${n.sshPort}` : '-', String(n.gpus), n.state]),
  ];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  const table = rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ')).join('\n');
  const lines = [table, ''];
  if (status.networks.management || status.networks.cluster) lines.push(`networks: management ${status.networks.management ?? '-'}, cluster ${status.networks.cluster ?? '-'} (internal)`);
  lines.push(status.mirror ? `mirror: ${status.mirror.url} (${status.mirror.container}, ${status.mirror.state})` : 'mirror: none');
  if (status.mirror?.hub) lines.push(`model hub: HF_ENDPOINT=${status.mirror.hub.hfEndpoint} MODELSCOPE_ENDPOINT=${status.mirror.hub.modelscopeEndpoint} (${status.mirror.hub.models.join(', ')})`);
  lines.push(`state: ${status.stateDir}`);
  return lines.join('\n') + '\n';
}

async function guarded(setExit: SetExit, fn: () => Promise<number | void>): Promise<void> {
  try {
    setExit((await fn()) ?? 0);
  } catch (e) {
    process.stderr.write(`ERROR! ${e instanceof Error ? e.message : String(e)}\n`);
    setExit(1);
  }
}

const progress = (line: string): void => void process.stderr.write(`${line}\n`);

export function registerLabCommands(program: Command, setExit: SetExit): void {
  const lab = program.command('lab').description('a Docker lab of simulated GPU servers (sshd, ufw, nvidia-smi, offline mirror) to try playbooks on');

  lab
    .command('up')
    .description('start the lab, or bring it to the given shape (idempotent); writes its inventory')
    .option(...nameOption)
    .option('--nodes <n>', 'number of nodes (node1 is the Ray head; default 2, or as last time)', positiveInt)
    .option('--gpus-per-node <n>', 'simulated NVIDIA H200 GPUs per node (default 1)', positiveInt)
    .option('--nic-names <names>', 'cluster NIC name per node, comma separated; the last one repeats (default eno1)')
    .option('--wheelhouse <dir>', 'serve this directory as the package mirror instead of the built-in wheelhouse')
    .option('--no-mirror', 'no package mirror (no wheelhouse download)')
    .option('--hub-models <ids>', 'models the mirror\'s hub serves, comma separated owner/name (seed-model\'s files; default Qwen/Qwen3-0.6B, or as last time)')
    .option('--shm-size-mb <mb>', '/dev/shm per node in MiB (default 2048)', positiveInt)
    .option('--init <kind>', 'how nodes boot: systemd (as PID 1, as servers do; default) or plain (no systemd)')
    .action((o: NameOption & { init?: string; nodes?: number; gpusPerNode?: number; nicNames?: string; wheelhouse?: string; mirror: boolean; shmSizeMb?: number; hubModels?: string }) =>
      guarded(setExit, async () => {
        const up = await Lab.up({
          ...(o.name !== undefined ? { name: o.name } : {}),
          ...(o.nodes !== undefined ? { nodes: o.nodes } : {}),
          ...(o.init !== undefined ? { init: checkInit(o.init) } : {}),
          ...(o.gpusPerNode !== undefined ? { gpusPerNode: o.gpusPerNode } : {}),
          ...(o.nicNames !== undefined ? { nicNames: o.nicNames.split(',').map((s) => s.trim()).filter(Boolean) } : {}),
          ...(o.mirror === false ? { wheelhouse: false as const } : o.wheelhouse !== undefined ? { wheelhouse: o.wheelhouse } : {}),
          ...(o.shmSizeMb !== undefined ? { shmSizeMb: o.shmSizeMb } : {}),
          ...(o.hubModels !== undefined ? { hubModels: o.hubModels.split(',').map((id) => id.trim()).filter(Boolean).map((id) => ({ id })) } : {}),
          onProgress: progress,
        });
        process.stdout.write(formatStatus(await up.status()));
        process.stdout.write(`inventory: ${up.inventoryPath}\n`);
      }),
    );

  lab
    .command('down')
    .description("remove the lab's containers, networks and volumes (exactly those labelled lab-NAME) and its files")
    .option(...nameOption)
    .action((o: NameOption) =>
      guarded(setExit, async () => {
        const removed = await Lab.down(o.name !== undefined ? { name: o.name } : {});
        const all = [...removed.containers, ...removed.networks, ...removed.volumes];
        process.stdout.write(all.length ? `removed: ${all.join(', ')}\n` : 'nothing to remove\n');
      }),
    );

  lab
    .command('status')
    .description('the nodes: container, cluster IP, NIC, SSH port, GPUs, state')
    .option(...nameOption)
    .option('--json', 'as JSON')
    .action((o: NameOption & { json?: boolean }) =>
      guarded(setExit, async () => {
        const status = await (await Lab.open(o.name !== undefined ? { name: o.name } : {})).status();
        process.stdout.write(o.json ? JSON.stringify(status, null, 2) + '\n' : formatStatus(status));
      }),
    );

  lab
    .command('inventory')
    .description('write the inventory (groups ray_head, ray_workers under ray_cluster) and print its path')
    .option(...nameOption)
    .option('-o, --output <file>', 'also copy it to this file')
    .action((o: NameOption & { output?: string }) =>
      guarded(setExit, async () => {
        const file = await (await Lab.open(o.name !== undefined ? { name: o.name } : {})).writeInventory();
        if (o.output) await copyFile(file, path.resolve(o.output));
        process.stdout.write(`${o.output ? path.resolve(o.output) : file}\n`);
      }),
    );

  lab
    .command('ssh')
    .description("log in to a node over SSH as the lab's user (the system ssh, the lab's key and known_hosts)")
    .argument('<node>', 'node1, node2, ...')
    .argument('[command...]', 'a command to run instead of a shell (after --)')
    .option(...nameOption)
    .action((node: string, command: string[], o: NameOption) =>
      guarded(setExit, async () => {
        const args = await (await Lab.open(o.name !== undefined ? { name: o.name } : {})).sshArgs(node, command);
        return new Promise<number>((resolve, reject) => {
          const child = spawn('ssh', args, { stdio: 'inherit' });
          child.once('error', (e) => reject(new Error(`cannot run ssh: ${e.message}`)));
          child.once('close', (code, signal) => resolve(code ?? (signal ? 255 : 0)));
        });
      }),
    );

  lab
    .command('exec')
    .description('run a command on a node through Docker (as root unless --user) and exit with its code')
    .argument('<node>', 'node1, node2, ...')
    .argument('<command...>', 'the command and its arguments (after --)')
    .option(...nameOption)
    .option('-u, --user <user>', 'run as this user (e.g. playbook)')
    .action((node: string, command: string[], o: NameOption & { user?: string }) =>
      guarded(setExit, async () => {
        const r = await (await Lab.open(o.name !== undefined ? { name: o.name } : {})).exec(node, command, o.user ? { user: o.user } : {});
        process.stdout.write(r.stdout);
        process.stderr.write(r.stderr);
        return r.rc ?? 1;
      }),
    );

  lab
    .command('seed-model')
    .description('write a small synthetic model folder (Qwen3-shaped safetensors, tokenizer, config) at PATH on a node')
    .argument('<node>', 'node1, node2, ...')
    .argument('<path>', 'absolute folder, e.g. /models/Qwen3-0.6B')
    .option(...nameOption)
    .option('--size-mb <mb>', 'approximate size of model.safetensors (default 50)', positiveNumber)
    .option('--model-name <name>', 'the name recorded in the files (default: the folder name)')
    .action((node: string, modelPath: string, o: NameOption & { sizeMb?: number; modelName?: string }) =>
      guarded(setExit, async () => {
        const r = await (await Lab.open(o.name !== undefined ? { name: o.name } : {})).seedModel(node, modelPath, {
          ...(o.sizeMb !== undefined ? { sizeMb: o.sizeMb } : {}),
          ...(o.modelName !== undefined ? { name: o.modelName } : {}),
        });
        process.stdout.write(r.changed ? `${node}:${r.path}: wrote ${r.files.join(', ')}\n` : `${node}:${r.path}: up to date\n`);
      }),
    );
}
