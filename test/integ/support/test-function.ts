import * as path from 'path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { HANDLER_RUNTIME } from '../../../lib/core/private/secure-defaults';

/** Options of a function an integration test deploys beside the constructs under test. */
export interface TestFunctionOptions {
  /** The handler file, relative to `test/integ/functions/` (e.g. `device/index.ts`). */
  readonly entry: string;
  readonly description: string;
  readonly environment?: { [key: string]: string };
  /** @default 5 minutes */
  readonly timeout?: Duration;
  /** @default 256 */
  readonly memorySize?: number;
  /** @default ARM_64, as the library's own handlers */
  readonly architecture?: lambda.Architecture;
  /** esbuild options beyond the defaults (externals, hooks that copy native files). */
  readonly bundling?: nodejs.BundlingOptions;
}

/**
 * A test function: TypeScript under `test/integ/functions/`, bundled by esbuild on this machine
 * at synth (no Docker), on the runtime the library's handlers use, with a log group of its own
 * that the stack deletes (test logs hold nothing to keep). The AWS SDK v3 comes from the runtime.
 */
export function testFunction(scope: Construct, id: string, options: TestFunctionOptions): nodejs.NodejsFunction {
  const logGroup = new logs.LogGroup(scope, `${id}LogGroup`, {
    retention: logs.RetentionDays.ONE_WEEK,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  return new nodejs.NodejsFunction(scope, id, {
    entry: path.join(__dirname, '..', 'functions', options.entry),
    handler: 'handler',
    runtime: HANDLER_RUNTIME,
    architecture: options.architecture ?? lambda.Architecture.ARM_64,
    description: options.description,
    environment: options.environment,
    timeout: options.timeout ?? Duration.minutes(5),
    memorySize: options.memorySize ?? 256,
    logGroup,
    projectRoot: path.join(__dirname, '..', '..', '..'),
    depsLockFilePath: path.join(__dirname, '..', '..', '..', 'package-lock.json'),
    bundling: {
      forceDockerBundling: false,
      target: 'node22',
      externalModules: ['@aws-sdk/*'],
      ...options.bundling,
    },
  });
}
