/** pam_limits' planner without a host, on the lines of Debian 12's /etc/security/limits.conf. */
import { expect, test } from 'vitest';
import { planPamLimit, type PamLimitRequest } from '../../src/modules/support/pam-limits.js';

const DEBIAN = '#<domain>      <type>  <item>         <value>\n#\n\n#*               soft    core            0\n#@student        -       maxlogins       4\n\n# End of file\n';
const nofile: PamLimitRequest = { domain: '*', limitType: 'soft', limitItem: 'nofile', value: '4096', useMax: false, useMin: false, comment: '' };
const DEST = '/etc/security/limits.conf';

test('appends a line (tab separated) after the commented examples', () => {
  expect(planPamLimit(nofile, DEBIAN, DEST, true)).toEqual({ changed: true, msg: '*\tsoft\tnofile\t4096\n', after: `${DEBIAN}*\tsoft\tnofile\t4096\n` });
  expect(planPamLimit({ ...nofile, comment: 'lab' }, DEBIAN, DEST, true)).toMatchObject({ msg: '*\tsoft\tnofile\t4096\t#lab\n' });
});

test('a line with the same value is left as written; another value replaces it in place', () => {
  const text = 'root  hard nproc  100\n*   soft   nofile   1024 # old\n';
  expect(planPamLimit({ ...nofile, value: '1024' }, text, DEST, true)).toEqual({ changed: false, msg: '*   soft   nofile   1024 # old\n', after: text });
  // (Ansible keeps the first trailing comment it meets as the new line's comment, newline included.)
  expect(planPamLimit(nofile, text, DEST, true)).toEqual({ changed: true, msg: '*\tsoft\tnofile\t4096\t# old\n\n', after: 'root  hard nproc  100\n*\tsoft\tnofile\t4096\t# old\n\n' });
});

test('use_max and use_min keep the larger or smaller value, unlimited counting as the largest', () => {
  const text = '* soft nofile 8192\n';
  expect(planPamLimit({ ...nofile, useMax: true }, text, DEST, true)).toMatchObject({ changed: false, after: text });
  expect(planPamLimit({ ...nofile, useMin: true }, text, DEST, true)).toMatchObject({ changed: true, msg: '*\tsoft\tnofile\t4096\n' });
  expect(planPamLimit({ ...nofile, value: 'unlimited', useMax: true }, text, DEST, true)).toMatchObject({ msg: '*\tsoft\tnofile\tunlimited\n' });
  expect(planPamLimit({ ...nofile, value: 'unlimited', useMin: true }, text, DEST, true)).toMatchObject({ changed: false });
  expect(planPamLimit({ ...nofile, value: '-1', useMax: true }, '* soft nofile infinity\n', DEST, true)).toMatchObject({ changed: false });
});

test("Ansible's messages for bad values, in the request and in the file; a missing file is a change", () => {
  expect(planPamLimit({ ...nofile, value: 'lots' }, '', DEST, true)).toEqual({
    error: " Value of 'lots' for item 'nofile' is invalid. Value must either be 'unlimited', 'infinity' or -1, all of which indicate no limit, or a limit of 0 or larger. Refer to the limits.conf(5) manual pages for more details.",
  });
  expect(planPamLimit({ ...nofile, limitItem: 'nice', value: '25' }, '', DEST, true)).toMatchObject({ error: expect.stringContaining("Value of '25' for item 'nice' is invalid. Value must be a number in the range -20 to 19 inclusive.") });
  expect(planPamLimit(nofile, '* hard core lots\n', DEST, true)).toMatchObject({ error: expect.stringMatching(/^Invalid configuration found in '\/etc\/security\/limits.conf'\. Value of 'lots' for item 'core'/) });
  expect(planPamLimit({ ...nofile, useMax: true, useMin: true }, '', DEST, true)).toEqual({ error: 'Cannot use use_min and use_max at the same time.' });
  expect(planPamLimit({ ...nofile, value: '4096' }, '', '/etc/security/limits.d/lab.conf', false)).toMatchObject({ changed: true, after: '*\tsoft\tnofile\t4096\n' });
});
