/**
 * YAML as PyYAML's SafeLoader reads it (YAML 1.1): `yes/no/on/off` are booleans but `y/n` are
 * strings, `1.0` is a float (kept as one), `1e3` without a dot is a string, `010` is octal.
 * Ansible reads playbooks, inventories and `from_yaml` this way.
 */
import YAML, { type CollectionTag, isPair, isScalar, isSeq, isMap, type Node, type ScalarTag, YAMLMap, YAMLSeq } from 'yaml';
import { VaultedValue, mkFloat } from '../python/values.js';
import { neverTrust } from '../python/trust.js';

const nullTag: ScalarTag = {
  tag: 'tag:yaml.org,2002:null',
  default: true,
  test: /^(?:~|null|Null|NULL)?$/,
  resolve: () => null,
};

const boolTag: ScalarTag = {
  tag: 'tag:yaml.org,2002:bool',
  default: true,
  test: /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/,
  resolve: (s) => /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/.test(s),
};

function parseSexagesimal(s: string): number {
  const sign = s.startsWith('-') ? -1 : 1;
  return sign * s.replace(/^[-+]/, '').split(':').reduce((acc, part) => acc * 60 + Number(part.replace(/_/g, '')), 0);
}

const intTag: ScalarTag = {
  tag: 'tag:yaml.org,2002:int',
  default: true,
  test: /^(?:[-+]?0b[01_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/,
  resolve: (raw) => {
    const s = raw.replace(/_/g, '');
    const sign = s.startsWith('-') ? -1 : 1;
    const body = s.replace(/^[-+]/, '');
    if (body.includes(':')) return parseSexagesimal(s);
    if (body.startsWith('0b')) return sign * parseInt(body.slice(2), 2);
    if (body.startsWith('0x')) return sign * parseInt(body.slice(2), 16);
    if (body.length > 1 && body.startsWith('0')) return sign * parseInt(body, 8);
    return sign * parseInt(body, 10);
  },
};

const floatTag: ScalarTag = {
  tag: 'tag:yaml.org,2002:float',
  default: true,
  test: /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/,
  resolve: (raw) => {
    const s = raw.replace(/_/g, '').toLowerCase();
    if (s.endsWith('.inf')) return s.startsWith('-') ? -Infinity : Infinity;
    if (s === '.nan') return NaN;
    if (s.includes(':')) return mkFloat(parseSexagesimal(s));
    return mkFloat(Number(s));
  },
};

/** Ansible's `!vault |`: an encrypted string (kept encrypted: playbook has no vault secrets). */
const vaultTag: ScalarTag = {
  tag: '!vault',
  resolve: (text) => new VaultedValue(text),
};

export const PYYAML_TAGS: ScalarTag[] = [nullTag, boolTag, intTag, floatTag, vaultTag];

/**
 * Text Ansible must not template (`!unsafe`), kept as a template that gives back exactly the text:
 * the engine templates variables when they are used, and this one renders to itself.
 */
export function untemplatedText(text: string): string {
  if (!/\{[{%#]/.test(text)) return neverTrust(text);
  if (!/endraw/.test(text)) return neverTrust(`{% raw %}${text}{% endraw %}`);
  return neverTrust(`{{ '${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}' }}`);
}

/** `!unsafe` on a list or mapping marks every string inside it (the values, not the keys). */
function untemplatedNode(node: Node | null | undefined): void {
  if (isScalar(node)) {
    if (typeof node.value === 'string') node.value = untemplatedText(node.value);
  } else if (isSeq(node)) {
    for (const item of node.items) untemplatedNode(item as Node);
  } else if (isMap(node)) {
    for (const pair of node.items) if (isPair(pair)) untemplatedNode(pair.value as Node);
  }
}

/** Ansible's `!unsafe` tag, on a string, a list or a mapping. */
export const UNSAFE_TAGS: Array<ScalarTag | CollectionTag> = [
  { tag: '!unsafe', resolve: (text: string) => untemplatedText(text) },
  { tag: '!unsafe', collection: 'seq', nodeClass: YAMLSeq, resolve: (seq) => (untemplatedNode(seq as Node), seq) },
  { tag: '!unsafe', collection: 'map', nodeClass: YAMLMap, resolve: (map) => (untemplatedNode(map as Node), map) },
];

export const PYYAML_OPTIONS = {
  schema: 'failsafe',
  customTags: PYYAML_TAGS,
  // Ansible refuses duplicate keys only as a warning; the last one wins.
  uniqueKeys: false,
} as const;

export function parsePyYaml(text: string): unknown {
  return YAML.parse(text, PYYAML_OPTIONS);
}

export function parsePyYamlAll(text: string): unknown[] {
  return YAML.parseAllDocuments(text, PYYAML_OPTIONS).map((doc) => {
    if (doc.errors.length) throw doc.errors[0];
    return doc.toJS() as unknown;
  });
}
