// Lint rules for the whole repository. Formatting belongs to prettier (`npm run format`),
// so eslint-config-prettier switches off every rule that would argue with it.
// Not type-aware on purpose: `npm run typecheck` already runs the compiler, and a
// type-aware lint would type-check everything a second time on every run.
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/', '**/node_modules/', '**/.data/', '**/coverage/', '**/.next/'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: globals.node },
    rules: {
      // A leading underscore says "deliberately unused", e.g. an Express error handler's `next`.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
    },
  },
  {
    // Plain CommonJS config files (jest.config.js and friends) are allowed to `require`.
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The web client: React's rules of hooks, and code that runs in the browser as well as on the server.
    files: ['client/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: reactHooks.configs.recommended.rules,
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
  },
  {
    // Tests poke at malformed input and library internals; `any` there is a tool, not a leak,
    // so it is reported as a warning to keep it rare rather than banned.
    files: ['**/*.test.ts', '**/test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'warn' },
  },
  prettier,
);
