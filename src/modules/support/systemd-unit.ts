/**
 * One systemd unit brought to a wanted state, as Ansible's systemd_service does it: read the unit
 * (one round trip: the systemd_unit fact), plan mask/enable/state with planService, run the plan in
 * one round trip. Shared by systemd_service and by service on a host where systemd runs.
 */
import { type SystemdUnit, systemdUnit } from '../../facts/systemd.js';
import type { ModuleContext, ModuleResult } from '../types.js';
import { type PlanStep, applyPlan, planResult } from './plan.js';
import { type ServiceAction, type ServiceStatus, type WantedService, planService } from './services.js';
import { commandError, runCommands } from './shell.js';

export interface UnitRequest extends WantedService {
  name: string | null;
  scope: 'system' | 'user' | 'global';
  daemonReload: boolean;
  daemonReexec: boolean;
  noBlock: boolean;
  force: boolean | null;
  /** The module, for messages. */
  module: string;
}

/** `is-enabled` states that say systemd knows the unit. */
const KNOWN_ENABLED_STATES = new Set(['enabled', 'enabled-runtime', 'linked', 'linked-runtime', 'masked', 'masked-runtime', 'static', 'indirect', 'disabled', 'generated', 'transient']);

function systemctl(request: UnitRequest): string[] {
  return ['systemctl', ...(request.scope === 'system' ? [] : [`--${request.scope}`]), ...(request.noBlock ? ['--no-block'] : []), ...(request.force ? ['--force'] : [])];
}

/** The unit's state in planService's terms, with Ansible's reading of is-enabled. */
export function unitStatus(unit: SystemdUnit): ServiceStatus {
  const active = unit.status['ActiveState'] ?? '';
  // `is-enabled` exits 0 for enabled, static, indirect, ...: Ansible counts all but these as enabled.
  // Ansible compares the whole `is-enabled -l` output: an indirect unit that lists its enabled symlinks counts as enabled.
  const enabled = unit.isEnabledRc === 0 && !(unit.isEnabledLines <= 1 && ['enabled-runtime', 'indirect', 'alias'].includes(unit.isEnabled));
  return { running: active === 'active' || active === 'activating', deactivating: active === 'deactivating', enabled, masked: unit.isEnabled === 'masked' };
}

function notSystemd(unit: SystemdUnit, module: string): string {
  return `systemd is not running on this host (PID 1 is ${unit.init || 'unknown'}, and /run/systemd/system does not exist): ${module} cannot start, stop or reload units here; on a host without systemd use the service module or start the program another way`;
}

function step(request: UnitRequest, action: ServiceAction, unit: string): PlanStep {
  const argv = [...systemctl(request), action, unit];
  const summary = `${action} ${unit}`;
  if (action === 'mask' || action === 'unmask') return { summary, argv, error: ({ stderr }) => `Failed to ${action} the service (${unit}): ${stderr.trim()}` };
  if (action === 'enable' || action === 'disable') return { summary, argv, error: ({ stdout, stderr }) => `Unable to ${action} service ${unit}: ${stdout + stderr}` };
  return { summary, argv, error: ({ stderr }) => `Unable to ${action} service ${unit}: ${stderr}` };
}

export async function manageUnit(ctx: ModuleContext, request: UnitRequest): Promise<ModuleResult> {
  const unit = request.name;
  if (unit !== null) {
    for (const glob of ['*', '?', '[']) {
      if (unit.includes(glob)) return { changed: false, failed: true, msg: `This module does not currently support using glob patterns, found '${glob}' in service name: ${unit}` };
    }
  }
  const result: ModuleResult = { name: unit, changed: false, status: {} };
  for (const [wanted, verb] of [[request.daemonReload, 'daemon-reload'], [request.daemonReexec, 'daemon-reexec']] as const) {
    if (!wanted || ctx.checkMode) continue;
    const r = await runCommands(ctx, [[...systemctl(request), verb]]);
    if (r.rc !== 0) return { ...result, failed: true, msg: `failure ${String(r.rc)} during ${verb}: ${commandError(r)}` };
  }
  if (unit === null) return result;

  const facts = await ctx.facts.get(systemdUnit, unit, request.scope === 'system' ? '' : `--${request.scope}`);
  result['status'] = facts.status;
  const loadState = facts.status['LoadState'];
  if (loadState !== undefined && loadState !== 'not-found' && loadState !== 'masked' && facts.status['LoadError'] !== undefined) {
    return { ...result, failed: true, msg: `Error loading unit file '${unit}': ${facts.status['LoadError']}` };
  }
  // `show` says nothing useful when it failed or was ignored (offline, in a chroot): then is-enabled, then list-unit-files.
  const showAnswered = facts.showRc === 0 && Object.keys(facts.status).length > 0;
  const found = showAnswered ? loadState !== undefined && loadState !== 'not-found' : KNOWN_ENABLED_STATES.has(facts.isEnabled) || facts.listed;
  const missing = { ...result, failed: true, msg: `Could not find the requested service ${unit}: host` };
  // Starting, stopping or asking whether a unit runs needs a running systemd; enabling works offline.
  if (request.state !== null && request.state !== undefined && !facts.running) return { ...result, failed: true, msg: notSystemd(facts, request.module) };
  if ((request.enabled !== null && request.enabled !== undefined) || (request.state !== null && request.state !== undefined)) {
    if (!found) return missing;
  }
  const current = unitStatus(facts);
  if (request.state !== null && request.state !== undefined && facts.status['ActiveState'] === undefined && facts.offline) {
    return { ...result, warnings: ['Target is a chroot or systemd is offline. This can lead to false positives or prevent the init system tools from working.'] };
  }
  if (request.state !== null && request.state !== undefined && facts.status['ActiveState'] === undefined) {
    return { ...result, failed: true, msg: 'Service is in unknown state', status: facts.status };
  }
  const actions = planService(current, request);
  const plan = { steps: actions.map((action) => step(request, action, unit)) };
  const outcome = await applyPlan(ctx, plan);
  if (request.enabled !== null && request.enabled !== undefined) result['enabled'] = actions.includes('enable') || actions.includes('disable') ? request.enabled : current.enabled;
  if (request.state !== null && request.state !== undefined) result['state'] = request.state === 'restarted' || request.state === 'reloaded' ? 'started' : request.state;
  return { ...result, ...planResult(ctx, plan, outcome) };
}
