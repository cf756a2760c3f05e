#!/usr/bin/env node
/* Puts back the package.json that `scripts/build.js --pack` stripped for the packed manifest. */
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const saved = path.join(root, '.package.json.prepack');
if (fs.existsSync(saved)) fs.renameSync(saved, path.join(root, 'package.json'));
