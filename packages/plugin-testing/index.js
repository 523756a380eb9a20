'use strict';
/** @grantry/plugin-testing: grantry's own test kit (`grantry/plugin/testing`), from the grantry installed beside it. */
module.exports = require('grantry/plugin/testing');
