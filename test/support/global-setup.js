/*
 * Jest's global set-up: one folder for everything this run writes to the disk, removed by
 * global-teardown.js. The workers and every process they start inherit it as TMPDIR, so the
 * synthesized apps, test outdirs and the packed tarball (each made once per run, see made-once.ts)
 * are never read by a later run, and no temporary folder outlives the run.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');

module.exports = async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-secure-iot-run-'));
  process.env.CDK_SECURE_IOT_TEST_RUN = dir;
  process.env.TMPDIR = dir;
};
