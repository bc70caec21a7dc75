/**
 * The types of play, block and task keywords, as JSON schemas. scripts/gen-schema-validators.ts
 * compiles them with ajv into schema-validators.generated.ts (ajv's standalone code), so that no
 * run pays for compiling them; test/playbook/schema-generated.test.ts keeps the two in step.
 * Values that are templates ("{{ x }}") are accepted wherever a scalar is.
 */
type Schema = Record<string, unknown>;

const str = { type: 'string' };
const template = { type: 'string', pattern: '\\{\\{' };
const bool = { anyOf: [{ type: 'boolean' }, str] };
const int = { anyOf: [{ type: 'integer' }, template] };
const strOrList = { anyOf: [{ type: ['string', 'number'] }, { type: 'array', items: { type: ['string', 'number'] } }] };
const condition = { anyOf: [{ type: ['string', 'boolean'] }, { type: 'array', items: { type: ['string', 'boolean'] } }] };
const mapping = { type: 'object' };
const list = { anyOf: [{ type: 'array' }, template] };
const nullableList = { anyOf: [{ type: 'array' }, { type: 'null' }] };

/** What each keyword must be, in words, for the error message. */
export const EXPECTED: Record<string, string> = {
  name: 'a string',
  hosts: 'a host pattern or a list of patterns',
  gather_facts: 'a boolean',
  serial: 'a number, a percentage ("30%") or a list of them',
  strategy: 'a strategy name (linear, free)',
  max_fail_percentage: 'a number',
  tags: 'a tag or a list of tags',
  when: 'a condition or a list of conditions',
  changed_when: 'a condition or a list of conditions',
  failed_when: 'a condition or a list of conditions',
  until: 'a condition or a list of conditions',
  vars: 'a mapping of variables',
  vars_files: 'a list of files',
  roles: 'a list of roles',
  tasks: 'a list of tasks',
  pre_tasks: 'a list of tasks',
  post_tasks: 'a list of tasks',
  handlers: 'a list of handlers',
  block: 'a list of tasks',
  rescue: 'a list of tasks',
  always: 'a list of tasks',
  loop: 'a list (or a template giving one)',
  loop_control: 'a mapping (loop_var, index_var, label, pause, extended)',
  register: 'a variable name',
  notify: 'a handler name or a list of names',
  listen: 'a topic or a list of topics',
  retries: 'an integer',
  delay: 'a number of seconds',
  async: 'a whole number of seconds',
  poll: 'a whole number of seconds',
  environment: 'a mapping of variables (or a template)',
  delegate_to: 'a host name',
  args: 'a mapping of arguments',
};

const COMMON: Record<string, Schema> = {
  name: { type: ['string', 'number'] },
  when: condition,
  tags: strOrList,
  vars: mapping,
  environment: { anyOf: [mapping, str, { type: 'array' }] },
  become: bool,
  become_user: str,
  become_method: str,
  ignore_errors: bool,
  ignore_unreachable: bool,
  check_mode: bool,
  diff: bool,
  no_log: bool,
  any_errors_fatal: bool,
  run_once: bool,
  delegate_to: str,
  delegate_facts: bool,
  connection: str,
  remote_user: str,
  port: int,
  throttle: int,
  timeout: int,
};

export const PLAY: Schema = {
  type: 'object',
  properties: {
    ...COMMON,
    hosts: strOrList,
    gather_facts: bool,
    gather_subset: strOrList,
    serial: { anyOf: [{ type: 'integer' }, str, { type: 'array', items: { type: ['integer', 'string'] } }] },
    strategy: str,
    max_fail_percentage: { anyOf: [{ type: 'number' }, str] },
    vars_files: { anyOf: [{ type: 'array' }, str] },
    vars_prompt: { type: 'array' },
    roles: nullableList,
    tasks: nullableList,
    pre_tasks: nullableList,
    post_tasks: nullableList,
    handlers: nullableList,
    force_handlers: bool,
    order: str,
  },
};

export const BLOCK: Schema = {
  type: 'object',
  properties: { ...COMMON, block: nullableList, rescue: nullableList, always: nullableList },
};

export const TASK: Schema = {
  type: 'object',
  properties: {
    ...COMMON,
    loop: list,
    loop_control: {
      type: 'object',
      properties: { loop_var: str, index_var: str, pause: { anyOf: [{ type: 'number' }, str] }, extended: bool, extended_allitems: bool },
    },
    register: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
    notify: strOrList,
    listen: strOrList,
    changed_when: condition,
    failed_when: condition,
    until: condition,
    retries: int,
    delay: { anyOf: [{ type: 'number' }, str] },
    // `args:` with nothing after it is no arguments (Ansible reads None as {}).
    args: { anyOf: [mapping, str, { type: 'null' }] },
    async: int,
    poll: int,
  },
};
