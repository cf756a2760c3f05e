/*
 * Writes RUNBOOKS.md from the playbook model the state machines are built from, so the written
 * runbooks cannot drift from the automation. `npm run runbooks:doc` rewrites it;
 * test/response/runbooks.test.ts fails when it is stale.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Playbook } from '../lib';

export const RUNBOOKS_MD = path.join(__dirname, '..', 'RUNBOOKS.md');

if (require.main === module) {
  fs.writeFileSync(RUNBOOKS_MD, Playbook.renderRunbooks());
  console.log(`wrote ${path.relative(process.cwd(), RUNBOOKS_MD)} (${Playbook.all().length} playbooks)`);
}
