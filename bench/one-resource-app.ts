/*
 * The baseline of the synth benchmark: a plain CDK app of one stack with one resource, i.e. the
 * fixed cost of loading aws-cdk-lib, synthesizing and running CDK's CloudFormation validator (an
 * empty stack would fail that validator). No rule pack, no cdk-secure-iot.
 */
import { App, Stack } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';

const app = new App();
new sns.Topic(new Stack(app, 'OneResource'), 'Topic');
app.synth();
