/** Unit specs live next to the code (src/**\/*.spec.ts); e2e specs in test/ start the real app. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testRegex: '\\.(spec|e2e-spec)\\.ts$',
  transform: { '^.+\\.[tj]s$': ['ts-jest', { tsconfig: 'tsconfig.spec.json' }] },
  // jose, smol-toml, oauth4webapi and openid-client are ESM-only: let ts-jest transpile them too.
  transformIgnorePatterns: ['/node_modules/(?!(jose|smol-toml|oauth4webapi|openid-client)/)'],
  testTimeout: 30000,
};
