/**
 * The layers' import rules (npm run deps; run by .ci/run). Arrows point inward only:
 *   domain ← ports ← adapters, app ← main (the one wiring place, with the entry points).
 */
module.exports = {
  forbidden: [
    {
      name: 'domain-does-no-io',
      comment: 'src/domain is pure: no Node module but crypto (hashing is computation), so no fs, network, env or clock',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { dependencyTypes: ['core'], pathNot: '^(node:)?crypto$' },
    },
    {
      name: 'domain-models-with-few-packages',
      comment: 'the packages the domain is written in: XState (the machine), libphonenumber-js (numbers) and countries-and-timezones (the zones of a number\'s country)',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg', 'npm-unknown'], pathNot: '^node_modules/(xstate|libphonenumber-js|countries-and-timezones)/' },
    },
    { name: 'domain-types-are-domain', severity: 'error', from: { path: '^src/domain/' }, to: { path: '^src/(ports|adapters|app|main|cli)/' } },
    { name: 'ports-know-only-the-domain', severity: 'error', from: { path: '^src/ports/' }, to: { path: '^src/(adapters|app|main|cli)/' } },
    { name: 'adapters-never-import-the-app', severity: 'error', from: { path: '^src/adapters/' }, to: { path: '^src/(app|main|cli)/' } },
    { name: 'app-knows-no-concrete-adapter', comment: 'the app gets adapters through ports; only src/main wires them', severity: 'error', from: { path: '^src/app/' }, to: { path: '^src/(adapters|main|cli)/' } },
    { name: 'no-circular', severity: 'error', from: { path: '^src/' }, to: { circular: true } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js'] },
  },
}
