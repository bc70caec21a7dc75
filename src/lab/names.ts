/**
 * How the lab names and labels its Docker resources. Everything of lab NAME carries the scope
 * `lab-NAME` (so removeScope finds exactly it) plus `dev.playbook.lab=NAME` and its role.
 */
import { MANAGED_LABEL, SCOPE_LABEL } from '../docker/labels.js';

export const LAB_LABEL = 'dev.playbook.lab';
/** `node` or `mirror`. */
export const ROLE_LABEL = 'dev.playbook.lab.role';
/** The node's inventory name and hostname (node1, node2, ...). */
export const NODE_LABEL = 'dev.playbook.lab.node';
export const INDEX_LABEL = 'dev.playbook.lab.index';
export const GPUS_LABEL = 'dev.playbook.lab.gpus';
export const NIC_LABEL = 'dev.playbook.lab.nic';
/** A hash of everything a container was created from: a different one means recreate it. */
export const CONFIG_LABEL = 'dev.playbook.lab.config';

export const DEFAULT_LAB_NAME = 'default';
export const DEFAULT_NIC = 'eno1';
/** The mirror's name on the management network, and its port. */
export const MIRROR_HOST = 'mirror.lab';
export const MIRROR_PORT = 8080;
/** The mirror's model hub (lab/hub/hub.py): the Hugging Face Hub API on one port, ModelScope's on the other. */
export const HF_HUB_PORT = 8081;
export const MODELSCOPE_HUB_PORT = 8082;
/** Where every node sees the wheelhouse (read-only), and where /etc/pip.conf points pip. */
export const NODE_WHEELHOUSE = '/opt/lab/wheelhouse';
export const CONDA_INSTALLER = 'Miniforge3-Linux-x86_64.sh';

/** A model the hub serves: `seed-model DIR --name NAME --size-mb SIZE`'s files under the repository id. */
export interface HubModel {
  /** owner/name, as on the hubs (Qwen/Qwen3-0.6B). */
  id: string;
  /** seed-model's --name (default: the id's name, which is what seed-model takes from a folder named so). */
  name?: string;
  /** seed-model's --size-mb (default 50, seed-model's own). */
  sizeMb?: number;
}

/** What the hub serves unless told otherwise: the guide's model, as `seed-model /models/Qwen3-0.6B` writes it. */
export const DEFAULT_HUB_MODELS: readonly HubModel[] = [{ id: 'Qwen/Qwen3-0.6B' }];

const HUB_MODEL_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]*\/[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export function checkHubModel(model: HubModel): HubModel {
  if (!HUB_MODEL_ID.test(model.id) || model.id.includes('..')) throw new Error(`invalid hub model id '${model.id}': use owner/name (letters, digits, '_', '.', '-'), as Qwen/Qwen3-0.6B`);
  if (model.sizeMb !== undefined && !(model.sizeMb > 0 && Number.isFinite(model.sizeMb))) throw new Error(`the size of hub model ${model.id} must be a positive number of MiB, not ${model.sizeMb}`);
  return model;
}

const LAB_NAME = /^[a-z0-9][a-z0-9_.-]{0,39}$/;
/** Linux interface names: at most 15 bytes; eth0 and lo are taken in every node. */
const NIC_NAME = /^[a-z][a-z0-9_-]{0,14}$/;

export function checkLabName(name: string): string {
  if (!LAB_NAME.test(name)) throw new Error(`invalid lab name '${name}': use lowercase letters, digits, '_', '.', '-' (starting with a letter or digit, at most 40)`);
  return name;
}

export function checkNicName(nic: string): string {
  if (!NIC_NAME.test(nic) || nic === 'lo' || nic === 'eth0') {
    throw new Error(`invalid NIC name '${nic}': use a server-like interface name such as eno1, ens3, enp65s0f0 (a lowercase letter first, at most 15 characters; not lo or eth0, which the node's management NIC and loopback use)`);
  }
  return nic;
}

export function labScope(name: string): string {
  return `lab-${checkLabName(name)}`;
}

export interface LabResourceNames {
  scope: string;
  management: string;
  cluster: string;
  mirror: string;
  node(index: number): string;
}

export function resourceNames(name: string): LabResourceNames {
  const scope = labScope(name);
  return {
    scope,
    management: `${scope}-mgmt`,
    cluster: `${scope}-cluster`,
    mirror: `${scope}-mirror`,
    node: (index) => `${scope}-node${index}`,
  };
}

/** The inventory name and hostname of node `index` (1-based). */
export function nodeName(index: number): string {
  return `node${index}`;
}

/** Node i (1-based) takes the i-th name; nodes past the end of the list take its last name. */
export function nicFor(nicNames: readonly string[], index: number): string {
  return nicNames[Math.min(index, nicNames.length) - 1] ?? DEFAULT_NIC;
}

/** The engine filter for lab `name`'s resources (optionally of one role). */
export function labFilter(name: string, role?: 'node' | 'mirror'): string {
  const label = [`${MANAGED_LABEL}=true`, `${SCOPE_LABEL}=${labScope(name)}`, `${LAB_LABEL}=${name}`];
  if (role) label.push(`${ROLE_LABEL}=${role}`);
  return JSON.stringify({ label });
}
