/** playbook-engine: run Ansible-style playbooks from TypeScript. */
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
