import type * as IotAlpha from '@aws-cdk/aws-iot-alpha';
import type * as IotActionsAlpha from '@aws-cdk/aws-iot-actions-alpha';
import { Annotations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/*
 * The alpha modules are optional and are not peers: a user who only wants `IotSecurityChecks` (or
 * the constructs built on L1s) installs neither, and an app pinned to another alpha version is not
 * refused by npm (a peer range cannot span alpha versions: npm matches a prerelease only against
 * its own version). A construct that uses an alpha L2 loads the module here, when it is
 * constructed: a missing module is an error naming the construct and the install command, and a
 * version other than the one the library is tested with is a warning. Public props and attributes
 * never expose an alpha type, so the `.d.ts` files compile without the alpha modules too.
 */

/** The alpha version the library is built and tested with. */
export const TESTED_ALPHA_VERSION = '2.214.1-alpha.0';

/** Loads `module` for the construct `user` (see above); exported for the tests. */
export function loadOptionalModule<T>(module: string, user: IConstruct): T {
  let loaded: T;
  let version: string | undefined;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = require(module) as T;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    version = require(`${module}/package.json`).version;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND' || version !== undefined) throw e;
    throw new Error(`${user.node.path}: this construct uses ${module}, which is not installed; `
      + `run 'npm install ${module}@${TESTED_ALPHA_VERSION}'`);
  }
  if (version !== TESTED_ALPHA_VERSION) {
    Annotations.of(user).addWarningV2('cdk-secure-iot:alphaVersion',
      `${module} ${version} is installed; cdk-secure-iot is tested with ${TESTED_ALPHA_VERSION}. Check the synthesized resources, or install ${TESTED_ALPHA_VERSION}.`);
  }
  return loaded;
}

/** `@aws-cdk/aws-iot-alpha`, for the constructs that use its L2s. */
export function iotAlpha(user: IConstruct): typeof IotAlpha {
  return loadOptionalModule('@aws-cdk/aws-iot-alpha', user);
}

/** `@aws-cdk/aws-iot-actions-alpha`, for the constructs that use its topic rule actions. */
export function iotActionsAlpha(user: IConstruct): typeof IotActionsAlpha {
  return loadOptionalModule('@aws-cdk/aws-iot-actions-alpha', user);
}
