#!/usr/bin/env node
// `npx homing <cmd>`: the compiled CLI (built by `npm install` through the prepare script).
require('../dist/src/cli.js');
