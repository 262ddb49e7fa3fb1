/**
 * Lint: the recommended rules of ESLint, typescript-eslint and eslint-plugin-svelte, and the layer
 * rules of docs' design sketch (shared/design.md, "Three houses and one door") as boundaries
 * policies, so a layer break fails `npm test` instead of waiting for a reviewer.
 * test/unit/lint-layers.test.ts runs this config on fixtures that break each layer rule.
 */
import js from '@eslint/js';
import boundaries from 'eslint-plugin-boundaries';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * Where each layer lives (folders; the first match wins, so electron/services comes before electron).
 * Inside electron/, the contract, its value lists and the dispatcher are told apart by file path.
 */
const elements = [
  { type: 'service', pattern: 'electron/services', partialMatch: false },
  { type: 'electron', pattern: 'electron', partialMatch: false },
  { type: 'renderer', pattern: 'renderer', partialMatch: false },
  { type: 'driver', pattern: 'drivers', partialMatch: false },
  { type: 'simulator', pattern: 'simulators', partialMatch: false },
  { type: 'test', pattern: 'test', partialMatch: false },
  { type: 'bench', pattern: 'bench', partialMatch: false },
  { type: 'resources', pattern: 'resources', partialMatch: false },
  { type: 'scripts', pattern: 'scripts', partialMatch: false },
];

const CONTRACT = 'electron/contract.ts';
const CONTRACT_VALUES = 'electron/contract-values.ts';
/** Routes contract requests to services; shared by both adapters, it knows no transport. */
const DISPATCHER = 'electron/dispatcher.ts';

const layerPolicies = [
  // Renderer: the contract and its own modules only (api.ts is its one way out).
  {
    from: { element: { type: 'renderer' } },
    disallow: [{ to: { element: { types: { noneOf: ['renderer'] } } } }, { to: { element: { isUnknown: true }, module: { origin: 'local' } } }],
    message: 'The renderer imports only the contract and its own modules (api.ts is its only way out), not {{ to.file.path }}.',
  },
  {
    from: { element: { type: 'renderer' } },
    allow: [{ to: { file: { path: CONTRACT_VALUES } } }, { to: { file: { path: CONTRACT } }, dependency: { kind: 'type' } }],
  },
  {
    from: { element: { type: 'renderer' } },
    disallow: { to: { file: { path: CONTRACT } }, dependency: { kind: 'value' } },
    message: "The renderer takes only types from electron/contract.ts (use `import type`); value lists come from contract-values.ts so the window's bundle carries no zod.",
  },
  {
    from: { element: { type: 'renderer' } },
    disallow: [{ to: { module: { origin: 'core' } } }, { to: { module: { origin: 'external', source: ['electron', 'zod', 'ws', 'serialport', '@serialport/*'] } } }],
    message: 'The renderer runs in a sandboxed browser window: no Node built-ins, Electron, zod, ws or serial port modules.',
  },
  // Services: no adapters (main.ts, preload.ts, serve.ts and their helpers), no Electron, no window.
  {
    from: { element: { type: 'service' } },
    disallow: [{ to: { element: { types: { anyOf: ['electron', 'renderer', 'simulator', 'test'] } } } }, { to: { module: { origin: 'external', source: 'electron' } } }],
    message: 'Services know nothing of Electron, the adapters (main.ts, preload.ts, serve.ts) or the window; {{ to.file.path }} is out of reach.',
  },
  {
    from: { element: { type: 'service' } },
    allow: { to: { file: { path: [CONTRACT, CONTRACT_VALUES, DISPATCHER] } } },
  },
  // Drivers: other drivers and the contract's value lists (plain constants, no zod: stages, methods, kinds and their words).
  {
    from: { element: { type: 'driver' } },
    disallow: [
      { to: { element: { types: { noneOf: ['driver'] } } } },
      { to: { element: { isUnknown: true }, module: { origin: 'local' } } },
      { to: { module: { origin: 'external', source: 'electron' } } },
    ],
    message: 'Drivers know nothing of Electron, the UI, services or the store: they import other drivers and the contract values (electron/contract-values.ts).',
  },
  {
    from: { element: { type: 'driver' } },
    allow: { to: { file: { path: CONTRACT_VALUES } } },
  },
  // Simulators keep their own codec and tables, so one bug cannot hide on both sides. They may share
  // the driver's interfaces as types (what they stand in for) and the error value they must throw.
  {
    from: { element: { type: 'simulator' } },
    disallow: { to: { element: { type: 'driver' } }, dependency: { kind: 'value' } },
    message: 'A simulator shares no code with the driver it tests ({{ to.file.path }}): give it its own codec (type-only imports of driver interfaces are fine).',
  },
  {
    from: { element: { type: 'simulator' } },
    allow: { to: { file: { path: 'drivers/common/errors.ts' } } },
  },
  {
    // The fixture builder makes the tests' input files (hex, UF2, DFU packages) with the drivers'
    // encoders; the simulators that read them have their own decoders (sim-hci, sim-uf2,
    // sim-secure-dfu-codec), so an encoder bug still shows as a refused or wrong image.
    allow: [['simulators/nrf52/fixtures.ts', 'drivers/nrf52/*.ts']].map(([from, to]) => ({ from: { file: { path: from } }, to: { file: { path: to } } })),
  },
];

export default tseslint.config(
  {
    ignores: ['node_modules/', 'dist/', 'release/', 'docs/', 'test/fixtures/', 'test/e2e/artifacts/', 'bench/results/', 'drivers/esp32/stub/'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] } },
  },
  {
    rules: {
      // `_`-prefixed names are deliberately unused (callback positions, destructuring to omit a key).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
      // `let x = ''; try { x = read() } catch { … }` is the house style for reads that may fail;
      // TypeScript's definite-assignment check already catches a variable used before it is set.
      'no-useless-assignment': 'off',
    },
  },
  {
    // CommonJS on purpose: electron-builder loads its hooks (scripts/before-pack.cjs) with require.
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: globals.node },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Tests reach into event payloads and private state to assert what the user would see; the
    // product code they test is held to the typed rules.
    files: ['test/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['**/*.ts', '**/*.js', '**/*.mjs', '**/*.svelte'],
    plugins: { boundaries },
    settings: {
      'boundaries/elements': elements,
      'import/resolver': { node: { extensions: ['.ts', '.js', '.mjs', '.svelte', '.json'] } },
    },
    rules: {
      'boundaries/dependencies': ['error', { default: 'allow', checkAllOrigins: true, checkUnknownLocals: true, policies: layerPolicies }],
    },
  },
);
