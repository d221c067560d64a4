/**
 * Serial tests (failure injection, heavy load) kill workers and restart the brokers, which would break tests running beside
 * them: they run after the main suite, one file at a time (`--runInBand`).
 */
const base = require('./jest.config');
module.exports = {
  ...base,
  testMatch: ['<rootDir>/*/test/serial/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  testTimeout: 240_000,
};
