/**
 * What a package manager must do to reach the wanted state, from what is installed: the planner
 * apt and pip share. The manager's own rules (how a version spec matches, how names compare) come
 * in as functions; the decisions (install, upgrade, remove, nothing) are made here, as Ansible's
 * apt and pip modules make them.
 */

export interface WantedPackage {
  /** The name as the manager compares it (normalised by the caller: pip folds case and -_.). */
  name: string;
  /** The version spec as written (`1.2*` for apt's `pkg=1.2*`, `==2.53.0` for pip), if any. */
  spec?: string;
  /** The request as the user wrote it, handed back in the plan (`ray[default]==2.53.0`). */
  request: string;
}

export type PackageState = 'present' | 'absent' | 'latest';

export interface PackagePlan {
  /** Missing, or installed at a version the spec does not accept. */
  install: WantedPackage[];
  /** Installed, and `latest` wants a newer one. */
  upgrade: WantedPackage[];
  /** Installed and `absent` wants them gone. */
  remove: WantedPackage[];
}

export interface PackageRules {
  /** Whether an installed version satisfies a spec. */
  satisfies(version: string, spec: string): boolean;
  /**
   * Whether an installed package that satisfies the request is to be upgraded (installed again at
   * the version the manager would pick): apt's `latest` when a newer candidate exists, and its
   * `pkg=1.*` when a newer version also matches. Undefined when the manager cannot say before
   * trying (pip): then `latest` makes every installed package a candidate, and the module compares
   * versions afterwards to report `changed` truthfully.
   */
  upgradable?(pkg: WantedPackage, version: string, state: 'present' | 'latest'): boolean;
}

export function planPackages(wanted: readonly WantedPackage[], installed: ReadonlyMap<string, string>, state: PackageState, rules: PackageRules): PackagePlan {
  const plan: PackagePlan = { install: [], upgrade: [], remove: [] };
  for (const pkg of wanted) {
    const version = installed.get(pkg.name);
    const matches = version !== undefined && (pkg.spec === undefined || rules.satisfies(version, pkg.spec));
    if (state === 'absent') {
      // With a version, only that version is removed (apt's `pkg=1.0 state=absent`).
      if (matches) plan.remove.push(pkg);
    } else if (!matches) {
      plan.install.push(pkg);
    } else if (rules.upgradable ? rules.upgradable(pkg, version, state) : state === 'latest') {
      plan.upgrade.push(pkg);
    }
  }
  return plan;
}

export function isEmptyPackagePlan(plan: PackagePlan): boolean {
  return plan.install.length === 0 && plan.upgrade.length === 0 && plan.remove.length === 0;
}
