/**
 * The production-shape check (`npm run test:cluster`): the real Temporal
 * server on PostgreSQL, Homing's api and workers as separate processes. Kept
 * out of `npm test` (its testMatch only sees *.test.ts).
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/cluster'],
  testMatch: ['**/*.cluster.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }] },
  modulePathIgnorePatterns: ['<rootDir>/dist/'],
  globalSetup: '<rootDir>/test/cluster/global-setup.ts',
  testTimeout: 300_000,
  maxWorkers: 1,
};
