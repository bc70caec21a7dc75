/**
 * get_url's cost: the download, and the re-run that finds dest matching the checksum, are each one
 * program run on the host (one round trip); here the host is this machine and the URL a file: URL.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { LocalConnection } from '../../src/connection/local.js';
import { project, recapLine, run } from '../engine/helpers.js';
import { RecordingConnection } from '../support/recording-connection.js';

test('a download and its idempotent re-run cost one round trip each', async () => {
  const dir = project({
    'inventory.ini': 'node1 ansible_connection=recorder\n',
    'pb.yml': `- hosts: all
  gather_facts: false
  tasks:
    - get_url: { url: "file://{{ playbook_dir }}/source.bin", dest: "{{ playbook_dir }}/copy.bin", checksum: "sha256:{{ sha }}", mode: "0640" }
`,
  });
  const data = Buffer.from('the payload\n'.repeat(100));
  writeFileSync(path.join(dir, 'source.bin'), data);
  const sha = createHash('sha256').update(data).digest('hex');
  const opened: RecordingConnection[] = [];
  const connections = { recorder: (host: string): RecordingConnection => opened[opened.push(new RecordingConnection(new LocalConnection(host))) - 1]! };
  const first = await run(dir, 'pb.yml', { connections, extraVars: [{ sha }] });
  expect(recapLine(first.output, 'node1'), first.output).toMatch(/ok=1 +changed=1 /);
  expect(opened[0]!.calls.map((c) => c.op)).toEqual(['exec']);
  expect(readFileSync(path.join(dir, 'copy.bin'))).toEqual(data);
  expect((statSync(path.join(dir, 'copy.bin')).mode & 0o777).toString(8)).toBe('640');
  const again = await run(dir, 'pb.yml', { connections, extraVars: [{ sha }] });
  expect(recapLine(again.output, 'node1')).toMatch(/ok=1 +changed=0 /);
  expect(opened[1]!.calls.map((c) => c.op)).toEqual(['exec']);
});
