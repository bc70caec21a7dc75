/** Debug aid: `npx tsx test/parity/run-case.ts <case> [...]` runs cases with Ansible and prints what they left. */
import path from 'node:path';
import { CASES_DIR, runAnsible } from './harness.js';

for (const name of process.argv.slice(2)) {
  const t0 = Date.now();
  const { runs, tree } = await runAnsible(path.join(CASES_DIR, name));
  console.log(`=== ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  runs.forEach((r, i) => {
    console.log(`--- run ${i + 1}: exit ${r.exitCode}`);
    if (process.env['VERBOSE'] || r.exitCode !== 0) console.log(r.stdout, r.stderr);
    else console.log(r.recapLines.join('\n'), r.stderr);
  });
  for (const e of tree) console.log(`${e.type} ${e.mode} ${e.path}${e.target ? ` -> ${e.target}` : ''}${e.content !== undefined ? ` = ${JSON.stringify(e.content)}` : ''}`);
}
