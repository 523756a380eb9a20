/** Unit specs live next to the code (src/**\/*.spec.ts); e2e specs in test/ and examples/ start the real app. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/test', '<rootDir>/examples'],
  testRegex: '\\.(spec|e2e-spec)\\.[jt]s$',
  transform: { '^.+\\.[tj]s$': ['ts-jest', { tsconfig: 'tsconfig.spec.json' }] },
  // jose, smol-toml, oauth4webapi and openid-client are ESM-only: let ts-jest transpile them too.
  transformIgnorePatterns: ['/node_modules/(?!(jose|smol-toml|oauth4webapi|openid-client)/)'],
  // Examples import the SDK as a plugin author would; inside this repo that is the source.
  moduleNameMapper: {
    '^grantry/plugin/testing$': '<rootDir>/src/plugin-sdk/testing.ts',
    '^grantry/plugin$': '<rootDir>/src/plugin-sdk/index.ts',
  },
  testTimeout: 30000,
};
