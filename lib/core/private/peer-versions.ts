/*
 * The oldest peers the library works with, and a check that says so instead of failing obscurely.
 * package.json's peerDependencies name the same floors; npm refuses an app below them unless the
 * install is forced, and then this check is what the user meets.
 */

/**
 * aws-cdk-lib 2.269.0 is the first release that takes the acknowledgment IDs the pack prints
 * (`IoTSecurity::IoTSecurity-ID1[Action::iot:*]`: a `::` inside the brackets), which releases up
 * to 2.268 reject as invalid. (From 2.258.0 the validation context carries the construct tree
 * every cdk-nag 3 pack walks; with 2.257.0 cdk-nag 3 installs but its packs fail at synth.)
 */
export const MIN_AWS_CDK_LIB = '2.269.0';

/**
 * cdk-nag 3.0.2 is the first release that reads the acknowledgments aws-cdk-lib 2.262.1 and newer
 * record (`Annotation::<id>`; older aws-cdk-lib wrote `annotation::`). With 3.0.0 or 3.0.1 on the
 * aws-cdk-lib this library needs, every finding the library's constructs acknowledge for another
 * pack (AwsSolutions-IAM5 on a handler role, say) fails the synth.
 */
export const MIN_CDK_NAG = '3.0.2';

function parse(version: string): number[] | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(version);
  return m ? m.slice(1, 4).map(Number) : undefined;
}

/** Whether `version` is at least `floor` (by major, minor, patch; prerelease tags ignored). */
export function versionAtLeast(version: string, floor: string): boolean {
  const v = parse(version);
  const f = parse(floor)!;
  if (!v) return false;
  for (let i = 0; i < 3; i++) {
    if (v[i] !== f[i]) return v[i] > f[i];
  }
  return true;
}

/** The version of the aws-cdk-lib this app loads, or undefined where it cannot be read. */
export function awsCdkLibVersion(): string | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('aws-cdk-lib/package.json').version;
  } catch {
    return undefined;
  }
}

/** The version of the cdk-nag this app loads, or undefined where it cannot be read. */
export function cdkNagVersion(): string | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('cdk-nag/package.json').version;
  } catch {
    return undefined;
  }
}

/**
 * Throws when the app's aws-cdk-lib or cdk-nag is older than the rule pack needs, naming both
 * versions. An unreadable version passes here: the validation context check at synth still
 * catches an old aws-cdk-lib.
 */
export function assertPackPeers(what: string, version: string | undefined = awsCdkLibVersion(), nagVersion: string | undefined = cdkNagVersion()): void {
  if (version !== undefined && !versionAtLeast(version, MIN_AWS_CDK_LIB)) {
    throw new Error(`${what} needs aws-cdk-lib ${MIN_AWS_CDK_LIB} or newer (the first release that accepts the acknowledgment IDs `
      + `the pack prints, and gives validation plugins the construct tree cdk-nag 3 packs walk); this app loads aws-cdk-lib ${version}. `
      + `Run 'npm install aws-cdk-lib@^${MIN_AWS_CDK_LIB}'.`);
  }
  if (nagVersion !== undefined && !versionAtLeast(nagVersion, MIN_CDK_NAG)) {
    throw new Error(`${what} needs cdk-nag ${MIN_CDK_NAG} or newer (the first release that reads the acknowledgments aws-cdk-lib `
      + `2.262.1 and newer record: with an older one, the findings the library's constructs acknowledge fail the synth); `
      + `this app loads cdk-nag ${nagVersion}. Run 'npm install cdk-nag@^${MIN_CDK_NAG}'.`);
  }
}
