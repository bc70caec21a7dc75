/**
 * playbook-engine: run Ansible-style playbooks from TypeScript.
 *
 *   import { runPlaybook } from 'playbook-engine';
 *   const { exitCode, stats } = await runPlaybook({ playbooks: ['site.yml'], inventory: ['hosts.ini'] });
 */
export { runPlaybook, playbookEvents, loadPlaybook, parseExtraVars } from './executor/run.js';
export type { RunPlaybookOptions, RunPlaybookResult } from './executor/run.js';
export { loadInventory, Inventory, InventoryError } from './inventory/index.js';
export { defineModule } from './modules/define.js';
export { defineFact, FactError } from './facts/index.js';
export type { Fact, FactDefinition, FactRequest, HostFacts } from './facts/index.js';
export type { Module, ModuleCall, ModuleDefinition, ModuleContext, ModuleResult, Diff, RenderOptions } from './modules/types.js';
export type { ArgsOf, ArgumentSpec, ArgumentOption, ArgType } from './modules/args.js';
export type { Connection, ExecOptions, ExecResult, FileStat, Become } from './connection/types.js';
export { UnreachableError } from './connection/types.js';
export type { ConnectionFactory, SharedLinks } from './connection/registry.js';
export { LocalConnection } from './connection/local.js';
export { TextReporter, JsonLinesReporter } from './output/text.js';
export type { Reporter, RunEvent, HostStats, HostStatus, TaskInfo } from './output/events.js';
export { PlaybookError, PlaybookErrors, RunError } from './playbook/errors.js';
export type { Playbook, Play, Task, Block, RoleInstance } from './playbook/model.js';
export { loadAnsibleConfig } from './config/ansible-cfg.js';
export type { AnsibleConfig } from './config/ansible-cfg.js';
export {
  Templar,
  renderTemplate,
  evaluateExpression,
  templateValue,
  TemplateError,
  TemplateSyntaxError,
  TemplateTypeError,
  TemplateRuntimeError,
  UndefinedVariableError,
  UnknownPluginError,
  MISSING,
} from './template/index.js';
export type {
  TemplateOptions,
  TemplateVariables,
  FilterDef,
  TestDef,
  LookupDef,
  PluginContext,
  VariableSource,
  SourcePosition,
  TemplateErrorKind,
} from './template/index.js';
export { Lab } from './lab/index.js';
export type { LabNode, LabOpenOptions, LabUpOptions, LabStatus, SeedModelResult } from './lab/index.js';
