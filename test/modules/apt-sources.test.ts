/**
 * apt_repository's reading and writing of one-line sources files (Ansible's SourcesList): lines
 * parsed and normalised, file names derived from the URL, a source added (re-enabling a disabled
 * copy) or removed (enabled copies only), and the apt_sources fact's output.
 */
import { describe, expect, test } from 'vitest';
import { parseAptSources } from '../../src/facts/apt.js';
import { addSource, dumpSources, expandSourcesPath, parseSourceLine, parseSourcesFile, removeSource, suggestFilename, type SourcesFiles } from '../../src/modules/support/apt-sources.js';

const MIRROR = 'deb [trusted=yes] http://mirror.lab:8080/debian ./';

describe('source lines', () => {
  test('parsed as Ansible parses them', () => {
    expect(parseSourceLine('  deb   http://a/debian  bookworm main  # the mirror')).toEqual({ valid: true, enabled: true, source: 'deb http://a/debian bookworm main', comment: 'the mirror' });
    expect(parseSourceLine('# deb-src http://a/debian bookworm main')).toEqual({ valid: true, enabled: false, source: 'deb-src http://a/debian bookworm main', comment: '' });
    expect(parseSourceLine('# just a comment')).toMatchObject({ valid: false, enabled: false });
    expect(() => parseSourceLine('foo bar', true)).toThrow('foo bar');
  });

  test('file names from the URL (options, scheme and credentials dropped), or filename', () => {
    expect(suggestFilename(MIRROR, null)).toBe('mirror_lab_8080_debian.list');
    expect(suggestFilename('deb http://user:pw@repo.example.com/apt stable main', null)).toBe('repo_example_com_apt.list');
    expect(suggestFilename(MIRROR, 'lab-mirror')).toBe('lab-mirror.list');
    expect(expandSourcesPath('/etc/apt/sources.list.d/', 'lab-mirror.list')).toBe('/etc/apt/sources.list.d/lab-mirror.list');
  });
});

describe('adding and removing', () => {
  const files = (): SourcesFiles => new Map([['/etc/apt/sources.list', parseSourcesFile(`# header\n# ${MIRROR}\ndeb http://b/debian ./\n`)]]);

  test('a disabled copy is enabled rather than a new line written', () => {
    const change = addSource(files(), MIRROR, '/etc/apt/sources.list.d/x.list');
    expect(dumpSources(change.files)).toEqual(new Map([['/etc/apt/sources.list', `# header\n${MIRROR}\ndeb http://b/debian ./\n`]]));
    expect(change.newRepos.size).toBe(0);
  });

  test('a new source goes to its own file; removing it leaves no file', () => {
    const other = 'deb http://c/debian ./';
    const added = addSource(files(), other, '/etc/apt/sources.list.d/c_debian.list');
    expect(dumpSources(added.files).get('/etc/apt/sources.list.d/c_debian.list')).toBe(`${other}\n`);
    expect([...added.newRepos]).toEqual(['/etc/apt/sources.list.d/c_debian.list']);
    const removed = removeSource(added.files, other);
    expect(dumpSources(removed.files).has('/etc/apt/sources.list.d/c_debian.list')).toBe(false);
    // A disabled copy is not removed.
    expect(dumpSources(removeSource(files(), MIRROR).files)).toEqual(dumpSources(files()));
  });
});

test('the apt_sources fact', () => {
  const out = `@@pb:apt-get\n@@pb:sourcelist\t/etc/apt/sources.list\n@@pb:sourceparts\t/etc/apt/sources.list.d/\n@@pb:file\t/etc/apt/sources.list\t\n${Buffer.from(`${MIRROR}\n`).toString('base64')}\n@@pb:end\n`;
  expect(parseAptSources(out)).toEqual({ sourcelist: '/etc/apt/sources.list', sourceparts: '/etc/apt/sources.list.d', aptGet: true, files: [{ path: '/etc/apt/sources.list', content: `${MIRROR}\n` }] });
});
