import * as fs from 'fs';
import { ContainmentMode, DeviceFailureModes, FailureMode, FindingClass, Playbook, RETURN_TO_BASELINE_STEPS } from '../../lib';
import { RUNBOOKS_MD } from '../../scripts/generate-runbooks-md';

test('RUNBOOKS.md is generated from the playbook model and up to date (run `npm run runbooks:doc`)', () => {
  expect(fs.readFileSync(RUNBOOKS_MD, 'utf8')).toBe(Playbook.renderRunbooks());
});

test('every runbook has roles, trigger, approval rule, each automated step in state order, investigation and recovery', () => {
  const md = Playbook.renderRunbooks();
  expect(md).toContain('| Incident commander (on-call security engineer) |');
  for (const playbook of Playbook.all()) {
    const section = md.split('\n## ').find((s) => s.includes(`(\`${playbook.findingClass}\`)`))!;
    expect(section).toBeDefined();
    expect(section).toContain(`**Trigger.** ${playbook.trigger}`);
    const listed = [...section.matchAll(/^\d+\. \*\*(\w+)\*\*/gm)].map((m) => m[1]);
    expect(listed).toEqual(playbook.steps.map((s) => s.state));
    for (const line of [...playbook.investigation, ...playbook.recovery]) expect(section).toContain(`- ${line}`);
  }
  const baseline = md.split('\n## ').find((s) => s.startsWith('Return to baseline'))!;
  expect([...baseline.matchAll(/^\d+\. \*\*(\w+)\*\*/gm)].map((m) => m[1])).toEqual(RETURN_TO_BASELINE_STEPS.map((s) => s.state));
});

test('a runbook for one containment mode and failure modes states that rule only', () => {
  const md = Playbook.of(FindingClass.SHARED_OR_REVOKED_CERTIFICATE)
    .renderRunbook(ContainmentMode.HUMAN_APPROVAL_ONLY, DeviceFailureModes.of({ high: FailureMode.FAIL_CLOSED }));
  expect(md).toContain('- HUMAN_APPROVAL_ONLY: never contained without the incident commander\'s approval.');
  expect(md).not.toContain('AUTOMATIC_QUARANTINE');
  expect(md).toContain('Only devices that fail closed (low, medium, high) are disconnected');
  expect(Playbook.of(FindingClass.FAILED_FIRMWARE_ROLLOUT).renderRunbook()).toContain('This playbook never deactivates a certificate');
});
