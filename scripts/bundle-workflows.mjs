// Bundles the compiled workflows (dist/workflows) into dist/workflows/bundle.js,
// the code every worker loads into its workflow sandbox. Built once here, a
// worker starts in about a second instead of running webpack at each start:
// what a crashed worker costs its conversations until it is back.
// Run by scripts/ensure-built.mjs after tsc.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { bundleWorkflowCode, DefaultLogger } = createRequire(import.meta.url)('@temporalio/worker');
const workflows = join(root, 'dist', 'workflows');

const { code } = await bundleWorkflowCode({ workflowsPath: join(workflows, 'index.js'), logger: new DefaultLogger('WARN') });
writeFileSync(join(workflows, 'bundle.js'), code);
console.log(`workflows bundled into dist/workflows/bundle.js: ${(code.length / 1024).toFixed(0)} kB`);
