// `make lint` for the JavaScript: eslint's recommended rules on every script in the repository.
// The page's modules run in a browser; the build, the harness, the tests' and the benchmarks'
// scripts run under Node (some of the latter are bundled into a page, so they get both).
import js from '@eslint/js';
import globals from 'globals';

export default [
  {
    ignores: ['frontend/dist/', 'dist/', 'build/', 'site/', 'tempera/bundled/', '.venv/', 'runs/',
      'test-artifacts/'],
  },
  js.configs.recommended,
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: {
      ecmaVersion: 2025, // import attributes: the page imports tempera.schema.json
      sourceType: 'module',
      globals: { ...globals.browser },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  {
    files: ['eslint.config.js', 'frontend/build.mjs', 'harness/**', 'tests/**', 'bench/**'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    // A bare function expression that Playwright evaluates in the page, not a module.
    files: ['harness/click_delays.js'],
    languageOptions: { sourceType: 'script' },
  },
];
