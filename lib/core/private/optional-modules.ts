import type * as IotAlpha from '@aws-cdk/aws-iot-alpha';
import type * as IotActionsAlpha from '@aws-cdk/aws-iot-actions-alpha';
import { IConstruct } from 'constructs';

/*
 * The alpha modules are optional peers: a user who only wants `IotSecurityChecks` (or the
 * constructs built on L1s) installs neither. A construct that uses an alpha L2 loads it here, when
 * it is constructed, and a missing module is an error that names the construct and the install
 * command. Public props and attributes never expose an alpha type, so the `.d.ts` files compile
 * without the alpha modules too.
 */

function load<T>(module: string, user: IConstruct): T {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(module) as T;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw e;
    throw new Error(`${user.node.path}: this construct uses ${module}, which is not installed; `
      + `run 'npm install ${module}' (a version matching your aws-cdk-lib; see cdk-secure-iot's peerDependencies)`);
  }
}

/** `@aws-cdk/aws-iot-alpha`, for the constructs that use its L2s. */
export function iotAlpha(user: IConstruct): typeof IotAlpha {
  return load('@aws-cdk/aws-iot-alpha', user);
}

/** `@aws-cdk/aws-iot-actions-alpha`, for the constructs that use its topic rule actions. */
export function iotActionsAlpha(user: IConstruct): typeof IotActionsAlpha {
  return load('@aws-cdk/aws-iot-actions-alpha', user);
}
