/** One jest run for the whole monorepo; tests import sources, processes run the built dist. */
const swc = [
  '@swc/jest',
  { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
];
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: { '^@burrow/(contracts|shared|workers|scheduler|api)$': '<rootDir>/$1/src' },
  testMatch: ['<rootDir>/*/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/test/serial/'],
  testTimeout: 60_000,
  maxWorkers: 2,
  verbose: false,
};
