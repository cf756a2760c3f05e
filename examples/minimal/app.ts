#!/usr/bin/env node
/*
 * The smallest app that uses cdk-secure-iot: one stack, tagged for the inventory, with the
 * account's fleet indexing turned on, checked at synth by the IoT security pack and cdk-nag.
 */
import { App, Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AssetTags, Criticality, FleetIndexing, IotSecurityChecks } from '../../lib';

const app = new App();
const stack = new Stack(app, 'MinimalSecureIot');
AssetTags.apply(stack, { criticality: Criticality.MEDIUM, owner: 'iot-team' });
new FleetIndexing(stack, 'FleetIndexing');

Validations.of(app).addPlugins(new IotSecurityChecks(app, { requiredTagKeys: ['criticality', 'owner'] }), new AwsSolutionsChecks(app));
app.synth();
