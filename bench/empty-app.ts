/* The baseline of the synth benchmark: an empty CDK app, i.e. the fixed cost of loading and synthesizing aws-cdk-lib. */
import { App } from 'aws-cdk-lib';

new App().synth();
