/**
 * pip's reading of names and its decisions (Ansible's pip module): the name list rebuilt, each
 * name as a requirement, what pip lists matched in the controller with PEP 440 (extras ignored,
 * local labels, pre-releases allowed), requirements files decided without pip when plain.
 */
import { describe, expect, test } from 'vitest';
import { parsePipList, parsePipState } from '../../src/facts/pip.js';
import { editableArgs, isVcsUrl, pipPackage, planPip, recoverPackageNames, simpleRequirements } from '../../src/modules/support/pip.js';

const installed = new Map([
  ['ray', '2.53.0'],
  ['Jinja2', '3.1.4'],
  ['vllm', '0.17.1+lab.1'],
  ['typing_extensions', '4.16.0'],
]);
const names = (list: { arg: string }[]): string[] => list.map((p) => p.arg);

describe('names', () => {
  test("Ansible's rebuilding of the name list", () => {
    expect(recoverPackageNames(['django>1.11.1', '<1.11.3', 'ipaddress', 'simpleproject>1.1.0', '<2.0.0'])).toEqual(['django>1.11.1,<1.11.3', 'ipaddress', 'simpleproject>1.1.0,<2.0.0']);
    expect(recoverPackageNames(['django>1.11.1,<1.11.3,ipaddress'])).toEqual(['django>1.11.1,<1.11.3', 'ipaddress']);
    expect(recoverPackageNames(['ray[default,data]==2.53.0'])).toEqual(['ray[default,data]==2.53.0']);
  });

  test('a requirement is given to pip in packaging\'s form; a path or URL as written', () => {
    expect(pipPackage('ray[default]==2.53.0')).toMatchObject({ arg: 'ray[default]==2.53.0', name: 'ray' });
    expect(pipPackage('Typing.Extensions >= 4')).toMatchObject({ arg: 'Typing.Extensions>=4', name: 'typing-extensions' });
    expect(pipPackage('six', '1.17.0').arg).toBe('six==1.17.0');
    expect(pipPackage('six', '>=1.16').arg).toBe('six>=1.16');
    expect(pipPackage('./dist/pkg-1.0.tar.gz')).toEqual({ arg: './dist/pkg-1.0.tar.gz', name: './dist/pkg-1.0.tar.gz' });
    expect(isVcsUrl('git+https://example.com/x.git')).toBe(true);
    expect(editableArgs(null)).toBe('-e');
    expect(editableArgs('--no-deps')).toBe('--no-deps -e');
  });
});

describe('present and absent', () => {
  test('installed at a matching version: nothing; extras do not matter; local labels match', () => {
    const wanted = ['ray[default]==2.53.0', 'jinja2>=3', 'vllm==0.17.1', 'typing-extensions'].map((n) => pipPackage(n));
    expect(planPip(wanted, installed, 'present')).toEqual([]);
  });

  test('missing or at another version: pip runs for those', () => {
    const wanted = ['ray==2.54.0', 'numpy', 'vllm==0.17.1+lab.2', 'jinja2<4'].map((n) => pipPackage(n));
    expect(names(planPip(wanted, installed, 'present'))).toEqual(['ray==2.54.0', 'numpy', 'vllm==0.17.1+lab.2']);
  });

  test('absent removes what is installed', () => {
    expect(names(planPip(['ray', 'numpy', 'Typing_Extensions'].map((n) => pipPackage(n)), installed, 'absent'))).toEqual(['ray', 'Typing_Extensions']);
  });

  test('a path is never known to be installed', () => {
    expect(names(planPip([pipPackage('./pkg.whl')], installed, 'present'))).toEqual(['./pkg.whl']);
  });

  test('plain requirements files are decided here; others go to pip', () => {
    expect(names(simpleRequirements('# pinned\nray[default]==2.53.0\n\njinja2>=3  # templates\n')!)).toEqual(['ray[default]==2.53.0', 'jinja2>=3']);
    expect(simpleRequirements('--index-url http://mirror/simple\nray\n')).toBeUndefined();
    expect(simpleRequirements('-r base.txt\n')).toBeUndefined();
    expect(simpleRequirements('pkg @ https://example.com/pkg.whl\n')).toBeUndefined();
  });
});

describe('the pip_packages fact', () => {
  test('pip list --format=json, and pip freeze when list is too old', () => {
    expect(parsePipList('[{"name": "pip", "version": "23.0.1"}, {"name": "python-apt", "version": "2.6.0"}]')).toEqual(new Map([['pip', '23.0.1'], ['python-apt', '2.6.0']]));
    expect(parsePipList('six==1.17.0\n-e git+https://x#egg=y\n')).toEqual(new Map([['six', '1.17.0']]));
  });

  test('its sections', () => {
    const out = '@@pb:python\t/usr/bin/python3\n@@pb:path\t/usr/bin:/bin\n@@pb:venv\tyes\n@@pb:pip\t/opt/v/bin/pip3\n@@pb:list-cmd\t/opt/v/bin/pip3 list --format=json\n@@pb:list\n[{"name": "six", "version": "1.17.0"}]\n\n@@pb:list-rc\t0\n@@pb:list-err\n@@pb:requirements\nc2l4Cg==\n';
    const state = parsePipState(out);
    expect(state).toMatchObject({ pip: ['/opt/v/bin/pip3'], venvExists: true, python: '/usr/bin/python3', listCommand: '/opt/v/bin/pip3 list --format=json', requirements: 'six\n' });
    expect(state.installed).toEqual(new Map([['six', '1.17.0']]));
  });
});
