// The CLI as bin/tierctl.js runs it: one ESM bundle, dist/cli/tierctl.js, with lazy chunks
// in dist/cli/chunks/. `npm run build` makes it after tsc (which still emits dist/src/ and
// the .d.ts files behind package.json's main/exports: the runtime API is not bundled).
//
// Why bundle: loading ~1,000 files of sequelize, validator, lodash, semver, yaml, ajv…
// (read, resolve, compile, one by one) was ~40% of a small `apply`; from a few large
// chunks the same code costs about a third less CPU per process (docs/internals.md).
//
// Built straight from src/ (oxc strips the types; tsc still typechecks), so it does not
// wait for tsc. A .mjs config so that it loads on Node 20 without a TypeScript loader.
import { defineConfig } from 'rolldown';

export default defineConfig({
  input: { tierctl: 'src/cli/main.ts' },
  platform: 'node',
  // The entry's exports may grow (shared code merged into it); nothing imports the bundle
  // as a library.
  preserveEntrySignatures: 'allow-extension',
  // Not bundled, resolved from node_modules when (and only when) a run reaches them:
  // - sqlite3: a native addon (its .node binding cannot go into a bundle); pg-native and
  //   pg-hstore: optional modules that Sequelize/pg require only if asked, not installed.
  //   (pg itself is loaded by Sequelize with require(variable), so it stays external too.)
  // - react-devtools-core: Ink imports it only when DEV=true (React DevTools), not installed.
  // - node: built-ins.
  // Ink and React are bundled, in the chunks of the ui/ view that only an interactive run
  // imports (tests/cli/lazy-ink.test.ts finds them by content): loaded from ~150 files of
  // node_modules, with React's development builds, they cost ~0.6 s of CPU before an
  // interactive plan could draw anything; from the bundle ~0.15 s. (A named chunk group for
  // them made import cycles between chunks: React used before its chunk had run.)
  external: ['sqlite3', 'pg-native', 'pg-hstore', 'react-devtools-core', /^node:/],
  // A bare import that resolves nowhere would be left as an external import and fail only
  // when a user's run reaches it: fail the build instead (add it above if it is optional).
  onLog(level, log, handler) {
    handler(log.code === 'UNRESOLVED_IMPORT' ? 'error' : level, log);
  },
  // src/ imports its TypeScript siblings by their emitted name (`./x.js`), as NodeNext wants.
  // moment-timezone without its time-zone database (~900 KB, parsed and unpacked at every
  // start: ~60 ms of each database command's CPU): Sequelize looks zones up only for a named
  // `timezone` option, which tierctl never sets (its default '+00:00' is an offset, answered
  // the same without the data). The runtime API is not bundled and keeps the full package.
  resolve: { extensionAlias: { '.js': ['.ts', '.tsx', '.js'] }, alias: { 'moment-timezone': 'moment-timezone/moment-timezone.js' } },
  // As tsconfig.json's "jsx": "react-jsx" (the ui/ views). NODE_ENV: React's production
  // builds (nothing else in the bundle reads it), whatever the user's environment says.
  transform: { jsx: { runtime: 'automatic' }, define: { 'process.env.NODE_ENV': '"production"' } },
  output: {
    dir: 'dist/cli',
    format: 'esm',
    entryFileNames: '[name].js',
    // Every dynamic import() in src/ stays a chunk of its own, loaded when reached: each
    // command, sequelize (+ umzug for migrations), the Stripe SDK, ajv for plan files, the
    // ui/ view. Names keep the module's name so a test or a stack trace can tell them apart.
    chunkFileNames: 'chunks/[name]-[hash].js',
    // Chunk names carry a content hash: without this, each build would leave the last one's behind.
    cleanDir: true,
    // ESM has no `require`; CommonJS dependencies that use it as a value (not just call it),
    // e.g. @rushstack's Import.lazy('fs-extra', require) under umzug, need a real one,
    // resolving from the bundle's own location (node_modules above it). Rolldown drops it
    // from chunks that never use it.
    banner: "import { createRequire as __tierctlCreateRequire } from 'node:module'; const require = __tierctlCreateRequire(import.meta.url);",
  },
});
