/** The package graph runs one way: contracts ← shared ← workers, scheduler, api (← bench). */
const pkg = (name) => `^${name}/`;
module.exports = {
  forbidden: [
    { name: 'no-cycles', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'contracts-is-the-root',
      comment: 'contracts holds data and pure codecs: it imports no other package',
      severity: 'error',
      from: { path: pkg('contracts') },
      to: { path: ['^shared/', '^workers/', '^scheduler/', '^api/', '^bench/'] },
    },
    {
      name: 'shared-knows-no-tasks',
      severity: 'error',
      from: { path: pkg('shared') },
      to: { path: ['^workers/', '^scheduler/', '^api/', '^bench/'] },
    },
    {
      name: 'workers-is-a-leaf',
      severity: 'error',
      from: { path: '^workers/' },
      to: { path: ['^scheduler/', '^api/', '^bench/'] },
    },
    {
      name: 'scheduler-is-a-leaf',
      comment: 'the scheduler publishes tasks; it never executes them',
      severity: 'error',
      from: { path: '^scheduler/' },
      to: { path: ['^workers/', '^api/', '^bench/'] },
    },
    {
      name: 'api-is-a-leaf',
      comment: 'the API publishes tasks and reads results; it never executes them',
      severity: 'error',
      from: { path: '^api/' },
      to: { path: ['^workers/', '^scheduler/', '^bench/'] },
    },
    {
      name: 'families-stand-alone',
      comment:
        'a task family imports shared providers (workers/src/providers) but never another family: a worker loads only its own',
      severity: 'error',
      from: { path: '^workers/src/(email|notifications|data-processing|cleanup)/' },
      to: {
        path: '^workers/src/(email|notifications|data-processing|cleanup)/',
        pathNot: '^workers/src/$1/',
      },
    },
    {
      name: 'families-load-on-demand',
      comment:
        'only families.ts reaches a family (by require, on demand) and only the public index exports its pieces; startWorker must not import one',
      severity: 'error',
      from: { path: '^workers/src/(worker|family|task-modules|cli/worker-cli)\\.ts$' },
      to: { path: '^workers/src/(email|notifications|data-processing|cleanup)/' },
    },
    {
      name: 'no-deep-imports',
      comment: "import a package by its name, never another package's src/",
      severity: 'error',
      from: { path: '^(contracts|shared|workers|scheduler|api|bench)/src' },
      to: { path: '^(contracts|shared|workers|scheduler|api|bench)/src', pathNot: '^$1/src' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    combinedDependencies: false,
    preserveSymlinks: false,
  },
};
