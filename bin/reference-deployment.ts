#!/usr/bin/env node
/*
 * The reference deployment: what `npx cdk synth` synthesizes. Every stack passes
 * IotSecurityChecks, cdk-nag's AwsSolutionsChecks and CDK's CloudFormation validator
 * (`@aws-cdk/core:validateAgainstDefaultRules` in cdk.json) with no unacknowledged finding.
 *
 * Stacks are environment-agnostic unless `-c account=... -c region=...` is given.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { IotSecurityChecks } from '../lib';
import { buildReferenceDeployment } from './reference-stacks';

const app = new App();
buildReferenceDeployment(app, {
  account: app.node.tryGetContext('account'),
  region: app.node.tryGetContext('region'),
});
Validations.of(app).addPlugins(new IotSecurityChecks(app, { requiredTagKeys: ['criticality', 'owner'] }), new AwsSolutionsChecks(app));
app.synth();
