// ESLint: typescript-eslint's type-checked rules over the action and its tests, and the house
// rules of src/ (folders, facades, imports only downward, no cycles). Prettier owns formatting;
// ESLint owns correctness. `npm test` runs both.
import js from '@eslint/js';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

// The folders of src/, low to high. A folder may import only the folders before it, and only
// through their index.ts; src/index.ts and src/post.ts (the entry points) sit above them all.
// database/ and access/ are reserved for the live-facts work.
const LAYERS = [
  'core',
  'inputs',
  'atlas',
  'terraform',
  'review',
  'github',
  'event',
  'aws',
  'lint',
  'access',
  'database',
  'impact',
  'roots',
  'report',
  'publish',
  'run',
];

const layerZones = LAYERS.map((folder, i) => ({
  target: `./src/${folder}`,
  from: [...LAYERS.slice(i + 1).map((above) => `./src/${above}`), './src/index.ts', './src/post.ts'],
  message: `Imports go only downward: ${folder}/ may import ${
    i === 0
      ? 'no other folder'
      : LAYERS.slice(0, i)
          .map((f) => `${f}/`)
          .join(', ')
  } (the layer order is in eslint.config.js).`,
}));

const facadeZones = [
  ...LAYERS.map((folder) => ({
    target: [`./src/!(${folder})/**`, './src/*.ts'],
    from: `./src/${folder}`,
    except: ['./index.ts'],
    message: `Import ${folder}/ through its facade, ${folder}/index.ts; add the export there if it is missing.`,
  })),
  {
    target: ['./src/core/!(redact)/**', './src/core/*.ts'],
    from: './src/core/redact',
    except: ['./index.ts'],
    message: 'Import the redactor through core/redact/index.ts.',
  },
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'demo-out/**', 'build/**'] },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { project: ['./tsconfig.test.json'], tsconfigRootDir: import.meta.dirname },
    },
  },
  {
    files: ['src/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      // import-x reads the imported modules too (no-cycle follows them); they are TypeScript.
      'import-x/extensions': ['.ts'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      // Sources import `./x.js`, which TypeScript maps to `./x.ts`.
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js'], extensionAlias: { '.js': ['.ts', '.js'] } })],
    },
    rules: {
      'import-x/no-cycle': 'error',
      'import-x/no-restricted-paths': ['error', { zones: [...layerZones, ...facadeZones] }],
    },
  },
  {
    // Small functions and files, each about one thing (CONTRIBUTING.md). Blank lines and comments
    // do not count against a function: a why-comment is never the thing to cut.
    files: ['src/**/*.ts'],
    rules: {
      'max-lines-per-function': ['error', { max: 60, skipBlankLines: true, skipComments: true }],
      'max-lines': ['error', { max: 300 }],
    },
  },
  {
    // The stand-in provider and scripts are plain JavaScript run by Node.
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: {
      globals: {
        process: 'readonly',
        Buffer: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        URL: 'readonly',
        performance: 'readonly',
      },
    },
  },
);
