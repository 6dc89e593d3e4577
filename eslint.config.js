// Lint, including the import rules of DESIGN.md: each outside library has one home, the
// TUI never touches a kernel backend, and only the CLI picks a backend.
import tseslint from 'typescript-eslint';

const backends = [
  { group: ['**/kernel/linux/**', '**/kernel/linux'], message: 'only src/cli/ picks a kernel backend (DESIGN.md)' },
  { group: ['**/kernel/sim/**', '**/kernel/sim'], message: 'only src/cli/ picks a kernel backend (DESIGN.md)' },
];
const koffi = { name: 'koffi', message: 'koffi is used only in src/kernel/linux/ (the Linux kernel backend)' };
const undici = { name: 'undici', message: 'undici is used only in src/pull/ (the registry client)' };
const tarStream = { name: 'tar-stream', message: 'tar-stream is used only in src/unpack/ (layer extraction)' };

function restrict({ names = [], patterns = [] }) {
  return { 'no-restricted-imports': ['error', { paths: names, patterns }] };
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'native/**', 'docs/**/*.svg', 'coverage/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-throw-literal': 'error',
    },
  },
  // Default for all of src/: no backend, no koffi, no undici, no tar-stream.
  {
    files: ['src/**/*.ts', 'src/**/*.tsx'],
    rules: restrict({ names: [koffi, undici, tarStream], patterns: backends }),
  },
  // The Linux backend is koffi's only home; it may not reach into the simulation.
  {
    files: ['src/kernel/linux/**'],
    rules: restrict({ names: [undici, tarStream], patterns: [backends[1]] }),
  },
  // The simulation runs anywhere: no koffi, no Linux backend.
  {
    files: ['src/kernel/sim/**'],
    rules: restrict({ names: [koffi, undici, tarStream], patterns: [backends[0]] }),
  },
  { files: ['src/pull/**'], rules: restrict({ names: [koffi, tarStream], patterns: backends }) },
  { files: ['src/unpack/**'], rules: restrict({ names: [koffi, undici], patterns: backends }) },
  // The CLI is the one place that chooses a backend.
  { files: ['src/cli/**'], rules: restrict({ names: [koffi, undici, tarStream] }) },
  // The TUI draws; it never imports a backend or any outside library with side effects.
  { files: ['src/tui/**'], rules: restrict({ names: [koffi, undici, tarStream], patterns: backends }) },
  // CommonJS by necessity (scripts/bundle-entry.cjs, the CLI bundle's entry): require is its import.
  { files: ['**/*.cjs'], rules: { '@typescript-eslint/no-require-imports': 'off' } },
  {
    files: ['test/**'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
