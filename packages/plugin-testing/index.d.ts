/** @grantry/plugin-testing: grantry's own test kit (`grantry/plugin/testing`), from the grantry installed beside it. */
export * from 'grantry/plugin/testing';
