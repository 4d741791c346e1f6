// @ts-check
import js from '@eslint/js';
import jsxA11y from 'eslint-plugin-jsx-a11y';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['dist/', 'data/', 'node_modules/', 'coverage/', 'test-artifacts/', 'bin/', 'eslint.config.js'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Asymmetric matchers (expect.stringMatching…) are typed any.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
    },
  },
  {
    // The layers depend one way: core ← store ← services ← server / cli / web.
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            '**/store/**',
            '**/services/**',
            '**/server/**',
            '**/cli/**',
            'kysely',
            'pg',
            '@electric-sql/*',
            'node:fs*',
            'fastify',
          ],
        },
      ],
    },
  },
  {
    files: ['src/services/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: ['**/server/**', '**/cli/**', 'kysely', 'pg', '@electric-sql/*', 'fastify'] },
      ],
    },
  },
  {
    // The replay is a client of the HTTP API: the pure core for types and the protocol, nothing else.
    files: ['src/replay/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            '**/store/**',
            '**/services/**',
            '**/server/**',
            '**/cli/**',
            'kysely',
            'pg',
            '@electric-sql/*',
            'fastify',
          ],
        },
      ],
    },
  },
  {
    files: ['src/server/**/*.ts', 'src/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: ['kysely', 'pg', '@electric-sql/*', '**/store/repositories/**'] },
      ],
    },
  },
  {
    // The web app: React rules, accessibility rules, and the API as its only way to the data. It may
    // share the pure core, and the services' types (erased: nothing of the server reaches the bundle).
    files: ['src/web/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks, 'jsx-a11y': jsxA11y },
    rules: {
      ...reactHooks.configs.recommended.rules,
      ...jsxA11y.flatConfigs.recommended.rules,
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/store/**', '**/services/**', '**/server/**'], allowTypeImports: true },
            { group: ['**/cli/**', '**/replay/**', 'kysely', 'pg', '@electric-sql/*', 'fastify', 'node:*'] },
          ],
        },
      ],
    },
  },
);
