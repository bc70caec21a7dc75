/** The module registry and the one list of built-in modules (each file default-exports one). */
import type { Module } from './types.js';
import assemble from './assemble.js';
import assert from './assert.js';
import asyncStatus from './async-status.js';
import authorizedKey from './authorized-key.js';
import blockinfile from './blockinfile.js';
import command from './command.js';
import copy from './copy.js';
import debug from './debug.js';
import fail from './fail.js';
import fetchFile from './fetch.js';
import gatherFacts from './gather-facts.js';
import file from './file.js';
import find from './find.js';
import getUrl from './get-url.js';
import getent from './getent.js';
import includeVars from './include-vars.js';
import lineinfile from './lineinfile.js';
import pause from './pause.js';
import ping from './ping.js';
import raw from './raw.js';
import replace from './replace.js';
import script from './script.js';
import setFact from './set-fact.js';
import setup from './setup.js';
import shell from './shell.js';
import slurp from './slurp.js';
import service from './service.js';
import serviceFacts from './service-facts.js';
import stat from './stat.js';
import sysctl from './sysctl.js';
import synchronize from './synchronize.js';
import user from './user.js';
import group from './group.js';
import groupBy from './group-by.js';
import addHost from './add-host.js';
import hostname from './hostname.js';
import pamLimits from './pam-limits.js';
import systemdService from './systemd-service.js';
import apt from './apt.js';
import aptRepository from './apt-repository.js';
import packageModule from './package.js';
import packageFacts from './package-facts.js';
import pip from './pip.js';
import unarchive from './unarchive.js';
import tempfile from './tempfile.js';
import template from './template.js';
import ufw from './ufw.js';
import uri from './uri.js';
import validateArgumentSpec from './validate-argument-spec.js';
import waitFor from './wait-for.js';
import waitForConnection from './wait-for-connection.js';

// The order is the order of names() ("Did you mean ...?" prefers the earlier of two as near).
const BUILTIN_MODULES: readonly Module[] = [
  command, shell, raw, ping, debug, setFact, groupBy, addHost, assert, fail, pause, includeVars, validateArgumentSpec, setup, gatherFacts, slurp, find, waitForConnection,
  copy, template, file, lineinfile, blockinfile, stat, tempfile, asyncStatus,
  systemdService, service, serviceFacts, getent, sysctl,
  ufw,
  waitFor,
  uri,
  getUrl,
  authorizedKey,
  apt, packageModule, packageFacts, pip, aptRepository,
  replace, assemble, fetchFile, unarchive, script, synchronize,
  user, group, hostname, pamLimits,
];

export class ModuleRegistry {
  private readonly byName = new Map<string, Module>();

  constructor(modules: readonly Module[] = BUILTIN_MODULES) {
    for (const m of modules) this.add(m);
  }

  add(module: Module): void {
    const collection = module.collection ?? 'ansible.builtin';
    for (const name of [module.name, ...(module.aliases ?? [])]) {
      this.byName.set(name, module);
      this.byName.set(`${collection}.${name}`, module);
      // ansible.legacy is where Ansible finds builtins (and a playbook's own library/ modules).
      if (collection === 'ansible.builtin') this.byName.set(`ansible.legacy.${name}`, module);
    }
  }

  get(name: string): Module | undefined {
    return this.byName.get(name);
  }

  names(): string[] {
    return [...this.byName.keys()].filter((n) => !n.includes('.'));
  }
}
