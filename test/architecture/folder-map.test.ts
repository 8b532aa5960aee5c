// The README's folder map is the house plan: every folder and top-level file of
// the code has a row there with its layer, and the code keeps to it. A file may
// import from its own layer or a lower one, never from a higher one; a folder
// whose own files outgrow what a reader takes in at once gets sub-folders.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');
/** Where the product's code lives (tests, benchmarks and scripts stand outside the layers). */
const CODE_ROOTS = ['src', 'workflows', 'activities'];
/** The most lines a folder's own files (sub-folders not counted) may hold. */
const MAX_FOLDER_LINES = 2_500;

interface MapRow {
  path: string;
  layer: number;
}

/** The rows of the README's "Folder map" table whose layer is a number. */
function readFolderMap(): MapRow[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = /^## Folder map\n([\s\S]*?)(?=^## )/m.exec(readme)?.[1];
  if (!section) throw new Error('README.md has no "## Folder map" section.');
  const rows: MapRow[] = [];
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((cell) => cell.trim());
    const layer = Number(cells[2]);
    if (cells.length < 4 || !Number.isInteger(layer)) continue;
    for (const path of cells[1]!.matchAll(/`([^`]+)`/g)) rows.push({ path: path[1]!, layer });
  }
  return rows;
}

function codeFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return codeFiles(path);
    return /\.(ts|tsx)$/.test(entry.name) ? [path] : [];
  });
}

/** The map row a file falls under: its own, or its closest folder's. */
function rowOf(map: MapRow[], file: string): MapRow | undefined {
  return map
    .filter((row) => (row.path.endsWith('/') ? file.startsWith(row.path) : file === row.path))
    .sort((a, b) => b.path.length - a.path.length)[0];
}

const IMPORT =
  /(?:^|\n)\s*(?:import|export)\b[^'"`;]*?\bfrom\s+['"](\.[^'"]+)['"]|\bimport\(\s*['"](\.[^'"]+)['"]\s*\)|\brequire\(\s*['"](\.[^'"]+)['"]\s*\)/g;

/** The code files a file imports by relative path (type-only imports included: they tie the layers all the same). */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const targets: string[] = [];
  for (const match of text.matchAll(IMPORT)) {
    const spec = match[1] ?? match[2] ?? match[3]!;
    const base = relative(ROOT, resolve(ROOT, dirname(file), spec));
    const target = [base, `${base}.ts`, `${base}.tsx`, `${base}/index.ts`].find((candidate) => {
      try {
        return statSync(join(ROOT, candidate)).isFile();
      } catch {
        return false;
      }
    });
    if (target && CODE_ROOTS.some((root) => target.startsWith(`${root}/`))) targets.push(target);
  }
  return targets;
}

const map = readFolderMap();
const files = CODE_ROOTS.flatMap(codeFiles);

describe('the folder map (README.md)', () => {
  it('has a row for every folder and top-level file of the code', () => {
    const unmapped = [...new Set(files.filter((file) => !rowOf(map, file)).map((file) => file.split('/').slice(0, 2).join('/')))];
    expect(unmapped).toEqual([]);
  });

  it('names nothing that is not there', () => {
    const missing = map.filter((row) => !files.some((file) => (row.path.endsWith('/') ? file.startsWith(row.path) : file === row.path)));
    expect(missing.map((row) => row.path)).toEqual([]);
  });

  it('is kept: no import runs from a lower layer up to a higher one', () => {
    const upward: string[] = [];
    for (const file of files) {
      const from = rowOf(map, file);
      for (const target of importsOf(file)) {
        const to = rowOf(map, target);
        if (from && to && to.layer > from.layer) upward.push(`${file} (layer ${from.layer}) imports ${target} (layer ${to.layer})`);
      }
    }
    expect(upward).toEqual([]);
  });

  it(`has no folder whose own files hold more than ${MAX_FOLDER_LINES} lines`, () => {
    const lines = new Map<string, number>();
    for (const file of files) {
      const folder = dirname(file);
      lines.set(folder, (lines.get(folder) ?? 0) + readFileSync(join(ROOT, file), 'utf8').split('\n').length);
    }
    const crowded = [...lines].filter(([, count]) => count > MAX_FOLDER_LINES).map(([folder, count]) => `${folder}: ${count} lines`);
    expect(crowded).toEqual([]);
  });
});
