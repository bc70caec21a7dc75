/**
 * Every case in cases/*.json is templated by Ansible 2.19 (through reference.py, in the pinned
 * venv) and by our interpreter; the results must be identical: the same text for templates, the
 * same Python repr() for native values, an error on both sides where Ansible raises.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { Templar, TemplateError, pyRepr } from '../../src/template/index.js';
import { ansiblePython } from '../support/ansible.js';

interface Case {
  id: string;
  mode: 'render' | 'expr' | 'value';
  source: string;
  vars?: Record<string, unknown>;
  expectError?: boolean;
  cwd?: 'lookup';
}

type Reference = Record<string, { ok: string } | { error: string }>;

const here = path.dirname(fileURLToPath(import.meta.url));
const fixtures = path.join(here, 'fixtures');
const lookupDir = path.join(fixtures, 'lookup');

function loadCases(file: string): Case[] {
  const text = readFileSync(path.join(here, 'cases', file), 'utf8').replaceAll('@FIXTURES@', fixtures);
  return JSON.parse(text) as Case[];
}

const files = readdirSync(path.join(here, 'cases')).filter((f) => f.endsWith('.json')).sort();
const byFile = new Map(files.map((f) => [f, loadCases(f)]));
const all = [...byFile.values()].flat();

function runReference(cases: Case[], cwd: string): Reference {
  if (cases.length === 0) return {};
  const out = execFileSync(ansiblePython(), [path.join(here, 'reference.py')], {
    cwd,
    input: JSON.stringify(cases),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    // Ansible's own warnings (missing include, deprecated options) are noise here.
    stdio: ['pipe', 'pipe', 'ignore'],
    env: { ...process.env, ANSIBLE_DEPRECATION_WARNINGS: 'False', ANSIBLE_LOCALHOST_WARNING: 'False', ANSIBLE_NOCOLOR: '1' },
  });
  return JSON.parse(out) as Reference;
}

// One Python process per working directory for the whole corpus.
const reference: Reference = {
  ...runReference(all.filter((c) => c.cwd !== 'lookup'), here),
  ...runReference(all.filter((c) => c.cwd === 'lookup'), lookupDir),
};

const templar = new Templar();

function ours(c: Case): string {
  const searchPath = [c.cwd === 'lookup' ? lookupDir : here];
  const vars = c.vars ?? {};
  switch (c.mode) {
    case 'render':
      return templar.renderTemplate(c.source, vars, { searchPath });
    case 'expr':
      return pyRepr(templar.evaluateExpression(c.source, vars, { searchPath, keepPythonTypes: true }));
    case 'value':
      return pyRepr(templar.templateValue(c.source, vars, { searchPath, keepPythonTypes: true }));
  }
}

for (const [file, cases] of byFile) {
  describe(`parity with Ansible 2.19: ${file}`, () => {
    test.each(cases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
      const expected = reference[c.id];
      expect(expected, `no reference result for ${c.id}`).toBeDefined();
      if (!expected) return;
      if ('error' in expected) {
        expect(c.expectError, `Ansible raised for a case not marked expectError: ${expected.error}`).toBe(true);
        expect(() => ours(c)).toThrow(TemplateError);
        return;
      }
      expect(c.expectError ?? false, 'marked expectError but Ansible did not raise').toBe(false);
      expect(ours(c)).toBe(expected.ok);
    });
  });
}
