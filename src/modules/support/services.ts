/**
 * What a service manager must do to reach the wanted state, from the unit's current state: the
 * planner systemd_service and service share. The order and the decisions are those of Ansible's
 * systemd_service: mask/unmask, then enable/disable, then the state; `started` starts only a
 * stopped unit, `stopped` stops a running (or deactivating) one, `restarted` and `reloaded` start a
 * stopped unit and otherwise always restart or reload it.
 */

export interface ServiceStatus {
  /** Running (ActiveState active, activating or reloading). */
  running: boolean;
  /** Stopping right now (ActiveState deactivating): `stopped` still stops it. */
  deactivating?: boolean;
  enabled: boolean;
  masked: boolean;
}

export interface WantedService {
  state?: 'started' | 'stopped' | 'restarted' | 'reloaded' | null;
  enabled?: boolean | null;
  masked?: boolean | null;
}

export type ServiceAction = 'mask' | 'unmask' | 'enable' | 'disable' | 'start' | 'stop' | 'restart' | 'reload';

/** The actions, in the order they must run; empty when the unit is already as wanted. */
export function planService(current: ServiceStatus, wanted: WantedService): ServiceAction[] {
  const actions: ServiceAction[] = [];
  if (wanted.masked !== undefined && wanted.masked !== null && wanted.masked !== current.masked) actions.push(wanted.masked ? 'mask' : 'unmask');
  if (wanted.enabled !== undefined && wanted.enabled !== null && wanted.enabled !== current.enabled) actions.push(wanted.enabled ? 'enable' : 'disable');
  switch (wanted.state) {
    case 'started':
      if (!current.running) actions.push('start');
      break;
    case 'stopped':
      if (current.running || current.deactivating) actions.push('stop');
      break;
    case 'restarted':
      actions.push(current.running ? 'restart' : 'start');
      break;
    case 'reloaded':
      actions.push(current.running ? 'reload' : 'start');
      break;
    default:
      break;
  }
  return actions;
}
