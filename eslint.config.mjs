import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

export default tseslint.config(
  { ignores: ['node_modules', 'dist', 'data', '.temporal-cache', 'coverage', '**/*.js', '**/*.mjs'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // Workflow code is replayed and must stay deterministic: no Node built-ins,
    // no I/O modules; only @temporalio/workflow, pure domain code and activity types.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'Workflow code must be deterministic: no Node built-ins.' })),
          patterns: [
            {
              group: ['**/src/*', '!**/src/domain', '!**/src/domain/**', '!**/src/sync', '!**/src/sync/**'],
              message: 'Workflows may import only src/domain and src/sync from src/ (types from elsewhere with `import type`).',
              allowTypeImports: true,
            },
            { group: ['**/activities', '**/activities/**'], message: 'Import activities with `import type` only.', allowTypeImports: true },
          ],
        },
      ],
    },
  },
  {
    // What workflows import from src/sync runs in their sandbox too: pure, values from src/domain only.
    files: ['src/sync/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'src/sync runs in workflows: no Node built-ins.' })),
          patterns: [
            {
              group: ['../*', '!../domain', '!../domain/**'],
              message: 'src/sync may import only src/domain (types from elsewhere with `import type`).',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
);
