// Builds the pages (src/pages) into dist/pages: one bundled, minified ES module
// per page (Preact included, nothing from a CDN), the stylesheet and the HTML.
// Run by `npm run build`; type-checking is `npm run typecheck`'s job.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'src', 'pages');
const out = join(root, 'dist', 'pages');

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'assets'), { recursive: true });

// Each page: its title, its entry (src/pages/<page>.tsx) and its HTML, made from one template (page.html).
const PAGES = { agent: 'Agent desktop', chat: 'Chat', supervisor: 'Supervisor' };

const result = await build({
  entryPoints: Object.fromEntries(Object.keys(PAGES).map((page) => [page, join(source, `${page}.tsx`)])),
  outdir: join(out, 'assets'),
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2020',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  tsconfig: join(source, 'tsconfig.json'),
  sourcemap: 'linked',
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
});

copyFileSync(join(source, 'styles.css'), join(out, 'assets', 'app.css'));
for (const file of readdirSync(join(source, 'html'))) copyFileSync(join(source, 'html', file), join(out, file));
const template = readFileSync(join(source, 'page.html'), 'utf8');
for (const [page, title] of Object.entries(PAGES)) {
  writeFileSync(join(out, `${page}.html`), template.replaceAll('{{title}}', title).replaceAll('{{page}}', page));
}

const sizes = Object.entries(result.metafile.outputs)
  .filter(([file]) => file.endsWith('.js'))
  .map(([file, info]) => `${file.split('/').pop()} ${(info.bytes / 1024).toFixed(1)} kB`);
console.log(`pages built into dist/pages: ${sizes.join(', ')}`);
