/**
 * The dependency rules of src/ (DESIGN "Architecture"), checked in CI by `npm run lint:deps`
 * (scripts/check-dependencies.mjs: these rules, then no cycle between src/'s folders).
 * Alone: `npx depcruise --config .dependency-cruiser.cjs src`.
 *
 * A "folder" is a top-level folder of src/ (config, common, oauth, users, ...); a rule that names
 * one covers everything below it. Type-only imports count: a type is a dependency too.
 *
 * One rule lives in the script, not here: NO CYCLE BETWEEN THE FOLDERS OF src/ (oauth -> users
 * and users -> oauth is a cycle, whatever subfolders the two imports touch). dependency-cruiser's
 * folder rules (`scope: 'folder'`, `to.circular`) see every directory on its own — src/oauth/tokens
 * and src/oauth/grant-records are two folders, and an import counts toward the directory of the
 * file imported — so they miss such a cycle, and `--collapse` only shapes reports. The script
 * folds the cruise result into src/'s folders and fails on any cycle between them.
 */
module.exports = {
  forbidden: [
    {
      // The bottom layers: everything imports them, so they import no feature (oauth, users, keys,
      // observability, plugins, database, ...). They may use each other, but not in a cycle.
      name: 'config-common-no-features',
      comment: 'config/ and common/ import no feature folder',
      severity: 'error',
      from: { path: '^src/(config|common)/' },
      to: { path: '^src/', pathNot: '^src/(config|common)/' },
    },
    {
      // Plugins reach the registries through the Extensions injection token; the registries never
      // know where a grant or authenticator comes from (DESIGN "The two extension points").
      name: 'oauth-not-plugins',
      comment: 'oauth/ imports nothing from plugins/ (plugins are handed in by injection token)',
      severity: 'error',
      from: { path: '^src/oauth/' },
      to: { path: '^src/plugins/' },
    },
    {
      // Aggregates and observability sit below the endpoints: a use case that needs both (a user
      // deleted and its grants revoked in one write) is composed above them (admin/user-lifecycle.ts),
      // and what observability reports on, the oauth side hands it (ServedExtensions).
      name: 'aggregates-not-oauth-admin',
      comment: 'observability/, audit/, clients/, users/ and identity-providers/ import nothing from oauth/ or admin/',
      severity: 'error',
      from: { path: '^src/(observability|audit|clients|users|identity-providers)/' },
      to: { path: '^src/(oauth|admin)/' },
    },
    {
      // The app module composes housekeeping; housekeeping is told what it needs (periodic or not).
      name: 'housekeeping-not-app',
      comment: 'housekeeping/ does not import the app module',
      severity: 'error',
      from: { path: '^src/housekeeping/' },
      to: { path: '^src/app\\.module' },
    },
    {
      // The authorization flow decides without HTTP objects: the browser comes in as its cookies'
      // secrets and goes out as an Answer; oauth/authorization/http/ alone speaks Fastify (issue 25).
      name: 'authorization-core-no-http',
      comment: 'only oauth/authorization/http/ imports fastify inside oauth/authorization/',
      severity: 'error',
      from: { path: '^src/oauth/authorization/', pathNot: '^src/oauth/authorization/http/' },
      to: { path: '(^|/)node_modules/fastify/' },
    },
    {
      // Directories inside one folder must not depend on each other both ways either (cli and
      // cli/commands, database and database/migrations, oauth/grants and oauth/authorization/code,
      // ...). The cycles among src/oauth's subfolders (authorize <-> interaction, and through
      // grant-records everything else) went with oauth/authorization (issue 25): this holds there too.
      name: 'no-directory-cycle',
      comment: 'no cycle between directories',
      severity: 'error',
      scope: 'folder',
      from: { path: '^src/' },
      to: { circular: true },
    },
  ],
  options: {
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    // Specs may reach across folders to set up what they test.
    exclude: { path: '\\.spec\\.ts$' },
    doNotFollow: { path: 'node_modules' },
  },
};
