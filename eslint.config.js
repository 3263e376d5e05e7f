import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.quorum/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      // Type-aware rules (the promise rules below) need the TypeScript project.
      parserOptions: {
        projectService: { allowDefaultProject: ['eslint.config.js', 'tools/*.mjs'] },
        tsconfigRootDir: import.meta.dirname,
      },
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        crypto: 'readonly',
        fetch: 'readonly',
        performance: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
      },
    },
    rules: {
      // A promise nobody awaits loses its rejection: an unhandled rejection ends the process, or
      // an error never reaches the problem handler.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // SPEC P6: nothing may print to the console except the CLI/server entry points (banner, usage).
      'no-console': 'error',
    },
  },
  // Benchmarks report on the console.
  { files: ['bench/**'], rules: { 'no-console': 'off' } },
  // Migrations are frozen in time and written against Kysely<any>, as Kysely's docs advise.
  { files: ['migrations/**'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
);
