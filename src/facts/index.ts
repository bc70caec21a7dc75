/**
 * The facts registry: every built-in fact, one file per subject. A module reads them through
 * ctx.facts (HostFacts); setup gathers the SETUP_FACTS its gather_subset selects, in one round trip.
 */
import { authorizedKeys } from './authorized-keys.js';
import { aptPackages, aptSources, debFiles, dpkgPackages } from './apt.js';
import { archive } from './archive.js';
import { date } from './date.js';
import { env } from './env.js';
import { fragments } from './fragments.js';
import type { Fact } from './fact.js';
import { getent } from './getent.js';
import { gpus } from './gpus.js';
import { hardware } from './hardware.js';
import { mounts } from './mounts.js';
import { network } from './network.js';
import { pipPackages } from './pip.js';
import { pkgMgr } from './pkg-mgr.js';
import { platform } from './platform.js';
import { services } from './services.js';
import { sysctlState } from './sysctl.js';
import { account } from './account.js';
import { hostnameState } from './hostname.js';
import { systemdUnit } from './systemd.js';
import { sysvService } from './sysv.js';
import { ufw } from './ufw.js';
import { user } from './user.js';
import { virtual } from './virtual.js';

export { defineFact, FactError } from './fact.js';
export type { Fact, FactDefinition, FactRequest } from './fact.js';
export { FactCache, FactCaches } from './host-facts.js';
export type { FactValues, HostFacts } from './host-facts.js';
export { gatherFacts } from './gather.js';

/** A fact setup reports: Ansible fact names (without the ansible_ prefix) and their values. */
export type SetupFact = Fact<Record<string, unknown>>;

/**
 * What setup gathers for each gather_subset name (Ansible's subsets, and the sub-subsets that
 * stand for their whole subset: `interfaces` for network, `mounts` for hardware).
 */
export const SETUP_SUBSETS: ReadonlyMap<string, readonly SetupFact[]> = new Map([
  ['min', [platform, user, env, date, pkgMgr]],
  ['network', [network]],
  ['interfaces', [network]],
  ['default_ipv4', [network]],
  ['all_ipv4_addresses', [network]],
  ['hardware', [hardware, mounts, gpus]],
  ['mounts', [hardware, mounts, gpus]],
  ['gpus', [gpus]],
  ['virtual', [virtual]],
]);

/** Every built-in fact, by name (with their arguments' types erased: read them through their own export). */
export const FACTS: ReadonlyMap<string, { readonly name: string; readonly command: string }> = new Map(
  [platform, hardware, user, env, date, network, mounts, gpus, systemdUnit, services, sysvService, getent, sysctlState, ufw, authorizedKeys, pkgMgr, aptPackages, debFiles, dpkgPackages, aptSources, pipPackages, fragments, archive, account, hostnameState, virtual].map((f) => [f.name, f]),
);
