#!/usr/bin/env node
/*
 * Bundles every Lambda handler (lib/<area>/handlers/<name>.ts) with esbuild into
 * dist/handlers/<name>/index.js, which constructs load with lambda.Code.fromAsset.
 * Runs on `npm ci` (prepare), before `npm test` and in `npm run build`.
 * The AWS SDK v3 is left out: the Node.js 22+ Lambda runtime provides it.
 */
const fs = require('fs');
const path = require('path');
const esbuild = require('esbuild');

const root = path.resolve(__dirname, '..');
const out = path.join(root, 'dist', 'handlers');

function findHandlers(dir) {
  const found = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      found.push(...findHandlers(full));
    } else if (path.basename(dir) === 'handlers' && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
      found.push(full);
    }
  }
  return found;
}

const handlers = findHandlers(path.join(root, 'lib'));
const names = new Map();
for (const file of handlers) {
  const name = path.basename(file, '.ts');
  if (names.has(name)) {
    console.error(`bundle-handlers: two handlers are named '${name}': ${names.get(name)} and ${file}`);
    process.exit(1);
  }
  names.set(name, file);
}

fs.rmSync(out, { recursive: true, force: true });
for (const [name, file] of names) {
  esbuild.buildSync({
    entryPoints: [file],
    outfile: path.join(out, name, 'index.js'),
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    external: ['@aws-sdk/*'],
    minify: false,
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'warning',
  });
}
console.log(`bundle-handlers: ${names.size} handler(s) into ${path.relative(root, out)}`);
