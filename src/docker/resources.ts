/** Networks and volumes of a scope, labelled so removeScope finds them. */
import type Docker from 'dockerode';
import { connectEngine, engineMessage } from './engine.js';
import { scopeLabels } from './labels.js';

export interface NetworkOptions {
  /** An internal network has no route out of the host (the intranet case). */
  internal?: boolean;
  /** e.g. 172.28.0.0/16; the engine picks one when absent. */
  subnet?: string;
  labels?: Record<string, string>;
  /** Bridge driver options, e.g. { 'com.docker.network.bridge.enable_ip_masquerade': 'false' }. */
  driverOptions?: Record<string, string>;
}

export interface CreatedNetwork {
  id: string;
  name: string;
}

/** A bridge network `name` owned by `scope`. */
export async function createNetwork(name: string, scope: string, options: NetworkOptions = {}, docker?: Docker): Promise<CreatedNetwork> {
  const engine = docker ?? (await connectEngine());
  try {
    const net = await engine.createNetwork({
      Name: name,
      Driver: 'bridge',
      CheckDuplicate: true,
      Internal: options.internal ?? false,
      Labels: scopeLabels(scope, options.labels),
      ...(options.driverOptions ? { Options: options.driverOptions } : {}),
      ...(options.subnet ? { IPAM: { Driver: 'default', Config: [{ Subnet: options.subnet }] } } : {}),
    });
    return { id: net.id, name };
  } catch (e) {
    throw new Error(`creating network ${name} failed: ${engineMessage(e)}`, { cause: e });
  }
}

/** A local volume `name` owned by `scope`. */
export async function createVolume(name: string, scope: string, labels: Record<string, string> = {}, docker?: Docker): Promise<string> {
  const engine = docker ?? (await connectEngine());
  try {
    await engine.createVolume({ Name: name, Driver: 'local', Labels: scopeLabels(scope, labels) });
    return name;
  } catch (e) {
    throw new Error(`creating volume ${name} failed: ${engineMessage(e)}`, { cause: e });
  }
}
