#!/usr/bin/env node
// Checks docker-compose.yml without a Docker engine: it parses, has the services
// and published ports the README documents, wires the app to Temporal and
// PostgreSQL, and registers exactly the search attributes the workflows use.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const problems = [];
const check = (ok, message) => ok || problems.push(message);

const compose = yaml.load(readFileSync(join(root, 'docker-compose.yml'), 'utf8'));
const services = compose?.services ?? {};

for (const name of ['postgresql', 'temporal', 'temporal-setup', 'temporal-ui', 'app-db', 'worker', 'api']) {
  check(name in services, `service "${name}" is missing`);
}

const published = (service) => (services[service]?.ports ?? []).map(String);
check(published('api').includes('3000:3000'), 'api must publish 3000:3000');
check(published('temporal-ui').includes('8233:8080'), 'temporal-ui must publish 8233:8080');
check(published('temporal').includes('7233:7233'), 'temporal must publish 7233:7233');

for (const name of ['worker', 'api']) {
  const service = services[name] ?? {};
  const env = service.environment ?? {};
  check(env.TEMPORAL_ADDRESS === 'temporal:7233', `${name}: TEMPORAL_ADDRESS must be temporal:7233`);
  check(/^postgres(ql)?:\/\/.+@app-db:5432\//.test(env.DATABASE_URL ?? ''), `${name}: DATABASE_URL must point at app-db`);
  check(service.build !== undefined, `${name}: must be built from the Dockerfile`);
  check(
    service.depends_on?.['temporal-setup']?.condition === 'service_completed_successfully',
    `${name}: must wait for temporal-setup to finish`,
  );
}
check(JSON.stringify(services.worker?.command ?? []).includes('dist/src/worker.js'), 'worker must run dist/src/worker.js');
check(JSON.stringify(services.api?.command ?? []).includes('dist/src/server.js'), 'api must run dist/src/server.js');
for (const name of ['postgresql', 'temporal', 'app-db', 'api']) {
  check(services[name]?.healthcheck?.test !== undefined, `${name}: needs a healthcheck`);
}

// The attribute list in the one-shot setup must match workflows/search-attributes.ts.
const source = readFileSync(join(root, 'workflows', 'search-attributes.ts'), 'utf8');
const typeNames = {
  KEYWORD: 'Keyword',
  BOOL: 'Bool',
  INT: 'Int',
  DOUBLE: 'Double',
  DATETIME: 'Datetime',
  TEXT: 'Text',
  KEYWORD_LIST: 'KeywordList',
};
const expected = [...source.matchAll(/defineSearchAttributeKey\('(\w+)', SearchAttributeType\.(\w+)\)/g)].map(
  ([, name, type]) => `${name}=${typeNames[type]}`,
);
const setup = [services['temporal-setup']?.command ?? []].flat().join('\n');
const registered = [...setup.matchAll(/\b(\w+=(?:Keyword|Bool|Int|Double|Datetime|Text|KeywordList))\b/g)].map(([, pair]) => pair);
check(expected.length > 0, 'found no search attributes in workflows/search-attributes.ts');
check(
  JSON.stringify([...registered].sort()) === JSON.stringify([...expected].sort()),
  `temporal-setup registers [${registered.join(', ')}] but the workflows define [${expected.join(', ')}]`,
);

if (problems.length > 0) {
  console.error(`docker-compose.yml: ${problems.length} problem(s):\n  - ${problems.join('\n  - ')}`);
  process.exit(1);
}
console.log(`docker-compose.yml: ${Object.keys(services).length} services, ports and search attributes OK`);
