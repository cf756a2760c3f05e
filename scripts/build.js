#!/usr/bin/env node
/*
 * Builds what the package ships, from scratch: compiled JS and .d.ts of lib/ into dist/lib (no
 * source maps: the package does not ship the sources they would point at), then the Lambda
 * handlers into dist/handlers. dist/lib is emptied first, so code deleted from lib/ is never packed.
 *
 * Runs on `npm run build`, on `prepare` (so `npm ci` here and a git install get a working package)
 * and on `prepack` (so a tarball never ships a stale dist/, whatever tool packs it). `npm pack` runs
 * both, prepack first: the prepare that follows it in the same command does not build again; nor
 * does the first of the two prepares npm runs for a git install (below).
 *
 * With `--pack` (prepack), it then takes the development-only fields out of package.json for the
 * packed manifest, as `pinst` does, and `scripts/postpack.js` puts them back: the scripts point at
 * files the package does not ship, and a `prepare` in an installed tarball is what npm's
 * install-scripts check flags.
 */
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const manifest = path.join(root, 'package.json');
const saved = path.join(root, '.package.json.prepack');
const packing = process.argv.includes('--pack');

if (fs.existsSync(saved)) {
  // A pack that failed before postpack left the stripped manifest behind: restore it first.
  fs.renameSync(saved, manifest);
}

const npmCommand = process.env.npm_command;
if (!packing && process.env.npm_lifecycle_event === 'prepare' && (npmCommand === 'pack' || npmCommand === 'publish')) {
  process.exit(0);
}
// Installed from git, npm (pacote) runs `npm install` in its clone, whose prepare this is (it sets
// _PACOTE_NO_PREPARE_ for it), then runs prepare again itself before packing the clone (with
// npm_package_resolved set). Building on the second only halves the build time of a git install.
if (!packing && process.env.npm_lifecycle_event === 'prepare' && process.env._PACOTE_NO_PREPARE_ && !process.env.npm_package_resolved) {
  process.exit(0);
}

fs.rmSync(path.join(root, 'dist', 'lib'), { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
require('./bundle-handlers');

if (packing) {
  const text = fs.readFileSync(manifest, 'utf8');
  const pkg = JSON.parse(text);
  delete pkg.scripts;
  delete pkg.allowScripts;
  fs.writeFileSync(saved, text);
  fs.writeFileSync(manifest, `${JSON.stringify(pkg, null, 2)}\n`);
}
