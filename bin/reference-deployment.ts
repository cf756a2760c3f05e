#!/usr/bin/env node
/*
 * The reference deployment: what `npx cdk synth` synthesizes. The account's baseline and the
 * INDUSTRIAL deployment of a factory; every stack passes IotSecurityChecks, cdk-nag's
 * AwsSolutionsChecks and CDK's CloudFormation validator (`@aws-cdk/core:validateAgainstDefaultRules`
 * in cdk.json) with no unacknowledged finding, and SecurityPostureReport writes
 * iot-security-posture.json, .md and .html into cdk.out (and fails the synth where a practice the
 * profile requires is missing).
 *
 * Stacks are environment-agnostic unless `-c account=... -c region=...` is given.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { IotSecurityChecks, SecurityPostureReport } from '../lib';
import { CONTEXT_FORMS, readAppContext } from '../lib/core/private/app-context';
import { buildReferenceDeployment } from './reference-stacks';

const app = new App();
buildReferenceDeployment(app, readAppContext(app.node, (c) => ({
  account: c.string('account', undefined, CONTEXT_FORMS.account),
  region: c.string('region', undefined, CONTEXT_FORMS.region),
})));
Validations.of(app).addPlugins(
  new IotSecurityChecks(app, { requiredTagKeys: ['criticality', 'owner'] }), new AwsSolutionsChecks(app), new SecurityPostureReport(app),
);
app.synth();
