/*
 * Preloaded (`node -r`) into each benchmarked synth, before ts-node: splits the process's time
 * into exclusive shares and writes them, with the peak resident memory, to $BENCH_PROBE_FILE on exit.
 *
 * - module loading: every outermost require() (reading, transpiling and evaluating a module and
 *   everything it requires), wherever it happens, also lazily during construction or validation;
 * - app code and constructs: the app's own code outside require() and outside app.synth();
 * - CDK synthesis: app.synth() (prepare, aspects, rendering and writing templates) outside the
 *   validation plugins;
 * - each validation plugin: its validate(), named by its class (IotSecurityChecks,
 *   AwsSolutionsChecks, SecurityPostureReport, CDK's CloudFormationValidatePlugin, which CDK adds
 *   itself as a default plugin when `@aws-cdk/core:validateAgainstDefaultRules` is on).
 *
 * Node's own start-up (before this file runs) is process.uptime() at this point. Time is charged
 * to the innermost open share only, so the shares add up to the process's lifetime.
 * Written in JavaScript so that it is not itself transpiled.
 */
'use strict';
const fs = require('fs');
const Module = require('module');
const path = require('path');

const startupMs = process.uptime() * 1000;
const now = () => Number(process.hrtime.bigint()) / 1e6;
const spent = {};
const open = ['app code and constructs'];
let last = now();

function charge() {
  const t = now();
  const share = open[open.length - 1];
  spent[share] = (spent[share] ?? 0) + (t - last);
  last = t;
}
function enter(share) { charge(); open.push(share); }
function leave() { charge(); open.pop(); }

function timed(share, fn, self, args) {
  enter(share);
  try {
    return fn.apply(self, args);
  } finally {
    leave();
  }
}

let cdkDir;
try {
  cdkDir = path.dirname(require.resolve('aws-cdk-lib', { paths: [process.cwd()] }));
} catch {
  cdkDir = undefined;
}
const appFile = cdkDir && path.join(cdkDir, 'core', 'lib', 'app.js');
const cfnPluginFile = cdkDir && path.join(cdkDir, 'core', 'lib', 'validation', 'cloudformation-validate-plugin.js');
let appPatched = false;
let cfnPatched = false;

function pluginShare(plugin) {
  const cls = plugin?.constructor?.name;
  return cls && cls !== 'Object' ? cls : (plugin?.name ?? 'unnamed plugin');
}

function wrapPlugin(plugin) {
  if (!plugin || typeof plugin.validate !== 'function' || plugin.__benchTimed) return;
  const validate = plugin.validate;
  const share = pluginShare(plugin);
  plugin.validate = function (...args) { return timed(share, validate, this, args); };
  Object.defineProperty(plugin, '__benchTimed', { value: true });
}

/** Patches App.synth and CDK's default validator as soon as aws-cdk-lib has loaded them. */
function patch() {
  if (!appPatched && appFile && require.cache[appFile]) {
    const { App } = require.cache[appFile].exports;
    if (App) {
      const synth = App.prototype.synth;
      App.prototype.synth = function (...args) {
        // Plugins can be registered with Validations.of(stage).addPlugins or a stage's
        // policyValidationBeta1: wrap them wherever they sit, once.
        for (const c of this.node.findAll()) {
          if (Array.isArray(c._validationPlugins)) c._validationPlugins.forEach(wrapPlugin);
        }
        return timed('CDK synthesis (prepare, aspects, templates)', synth, this, args);
      };
      appPatched = true;
    }
  }
  if (!cfnPatched && cfnPluginFile && require.cache[cfnPluginFile]) {
    const { CloudFormationValidatePlugin } = require.cache[cfnPluginFile].exports;
    if (CloudFormationValidatePlugin) {
      const validate = CloudFormationValidatePlugin.prototype.validate;
      CloudFormationValidatePlugin.prototype.validate = function (...args) {
        return timed('CloudFormationValidatePlugin', validate, this, args);
      };
      cfnPatched = true;
    }
  }
}

/**
 * The app's own file: reading and transpiling it (where ts-node also loads TypeScript) is module
 * loading, running it is app code, what it requires is module loading again.
 */
function loadMain() {
  const compile = Module.prototype._compile;
  let loading = true;
  const done = () => {
    if (!loading) return;
    loading = false;
    Module.prototype._compile = compile;
    leave();
  };
  Module.prototype._compile = function () {
    if (this.id === '.') done();
    return compile.apply(this, arguments);
  };
  enter('module loading');
  try {
    return load.apply(this, arguments);
  } finally {
    done();
  }
}

let depth = 0;
const load = Module._load;
Module._load = function (request, parent, isMain) {
  if (isMain) return loadMain.apply(this, arguments);
  if (depth > 0) return load.apply(this, arguments);
  depth++;
  enter('module loading');
  try {
    return load.apply(this, arguments);
  } finally {
    leave();
    depth--;
    patch();
  }
};

process.on('exit', () => {
  charge();
  if (!process.env.BENCH_PROBE_FILE) return;
  fs.writeFileSync(process.env.BENCH_PROBE_FILE, JSON.stringify({
    startupMs,
    spent,
    maxRssKb: process.resourceUsage().maxRSS,
  }));
});
