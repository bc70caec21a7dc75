/**
 * The layers of src/, lowest first. A folder may import from the layers below its own and from
 * itself, never from its own layer's other folders or from above; no import cycle anywhere (type
 * imports included). test/layers.test.ts runs these rules, so CI fails on an upward import.
 */
const LAYERS = [
  ['python'], // Python's semantics: the value model, fnmatch, shlex, re, json/yaml dumps
  ['yaml', 'config'], // YAML as PyYAML reads it; ansible.cfg
  ['template', 'docker'], // the Jinja2 interpreter; the dockerode layer
  ['connection', 'inventory'], // transports (local, ssh, docker); inventories and host patterns
  ['facts'], // what a host is like, read in one round trip
  ['modules'], // one file per module: facts -> plan -> commands
  ['playbook', 'output'], // loading and checking playbooks; reporters
  ['executor', 'lab'], // running plays; the Docker lab
  ['cli'], // the command line
];

function layerRules() {
  const rules = [];
  LAYERS.forEach((layer, i) => {
    const notBelow = LAYERS.slice(i).flat();
    for (const folder of layer) {
      const forbidden = notBelow.filter((f) => f !== folder);
      rules.push({
        name: `layer-${folder}`,
        comment: `src/${folder}/ may import only from the layers below it: ${LAYERS.slice(0, i).flat().join(', ') || 'none'}`,
        severity: 'error',
        from: { path: `^src/${folder}/` },
        to: { path: [`^src/(${forbidden.join('|')})/`, '^src/index\\.ts$'] },
      });
    }
  });
  return rules;
}

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...layerRules(),
    {
      name: 'no-cycles',
      comment: 'an import cycle (type imports included) ties files that should stand in order',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'src-not-tests',
      comment: 'the engine never imports test, bench or script code',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|bench|scripts)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
