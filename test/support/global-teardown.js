/* Jest's global tear-down: the run's folder goes (see global-setup.js); CDK_SECURE_IOT_KEEP_RUN=1 keeps it to look at. */
const fs = require('fs');

module.exports = async () => {
  const dir = process.env.CDK_SECURE_IOT_TEST_RUN;
  if (dir && !process.env.CDK_SECURE_IOT_KEEP_RUN) fs.rmSync(dir, { recursive: true, force: true });
};
