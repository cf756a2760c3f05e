import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * The folder of this test run, made by test/support/global-setup.js (which also makes it the
 * workers' TMPDIR) and removed by global-teardown.js: what a test writes goes here, so nothing
 * outlives the run and no run reads what an earlier one made. Outside jest's set-up, a folder of
 * its own.
 */
export function runFolder(): string {
  let dir = process.env.CDK_SECURE_IOT_TEST_RUN;
  if (!dir || !fs.existsSync(dir)) {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-secure-iot-run-'));
    process.env.CDK_SECURE_IOT_TEST_RUN = dir;
  }
  return dir;
}
