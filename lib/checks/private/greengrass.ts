import { CfnResource } from 'aws-cdk-lib';
import { resolvedProperties } from './cfn';
import { asObject, asString, Findings, readEach } from './cfn-values';
import { ParsedDocument, parsedDocuments } from './documents';

/** The CloudFormation type of a Greengrass V2 deployment. */
export const GREENGRASS_DEPLOYMENT = 'AWS::GreengrassV2::Deployment';
/** The CloudFormation type of a Greengrass V2 component version. */
export const GREENGRASS_COMPONENT_VERSION = 'AWS::GreengrassV2::ComponentVersion';

/** One component a deployment may deploy, in one form its template can take. */
export interface ComponentSpec {
  /** The component name, e.g. `aws.greengrass.Nucleus`. */
  readonly name: string;
  /** Its `ComponentDeploymentSpecification` (ComponentVersion, ConfigurationUpdate, RunWith). */
  readonly spec: { readonly [key: string]: unknown };
  /** `Components.<name>`, the path findings name. */
  readonly path: string;
}

/**
 * Every component of a Greengrass deployment, in every form its template can deploy in (each
 * branch of an `Fn::If`). A `Components` map or entry that cannot be read adds
 * `Unresolved::Components` (or `Unresolved::Components.<name>`) to `findings`.
 */
export function componentSpecs(node: CfnResource, findings: Findings): ComponentSpec[] {
  const out: ComponentSpec[] = [];
  for (const components of readEach(node, resolvedProperties(node).Components, asObject, findings, 'Components')) {
    for (const [name, entry] of Object.entries(components ?? {})) {
      const path = `Components.${name}`;
      for (const spec of readEach(node, entry, asObject, findings, path)) {
        if (spec) out.push({ name, spec, path });
      }
    }
  }
  return out;
}

/** One configuration merge document of a component, parsed. */
export interface ComponentConfiguration extends ParsedDocument {
  /** `Components.<name>`, the path findings name. */
  readonly path: string;
}

/**
 * The configuration a deployment merges into the component `name` (one of `names`), as parsed
 * documents: `ConfigurationUpdate.Merge` in every form the template can deploy it in. What cannot
 * be read adds `Unresolved::Components.<name>.ConfigurationUpdate.Merge` (or `Invalid::` for a
 * literal that is not JSON) to `findings`. A component without a merge keeps its defaults.
 */
export function configurationMerges(node: CfnResource, names: readonly string[], findings: Findings): ComponentConfiguration[] {
  const out: ComponentConfiguration[] = [];
  for (const { spec, path } of componentSpecs(node, findings).filter((c) => names.includes(c.name))) {
    for (const update of readEach(node, spec.ConfigurationUpdate, asObject, findings, `${path}.ConfigurationUpdate`)) {
      if (!update) continue;
      for (const doc of parsedDocuments(node, update.Merge, 'json', `${path}.ConfigurationUpdate.Merge`, findings)) {
        out.push({ ...doc, path });
      }
    }
  }
  return out;
}

/**
 * Whether a POSIX user setting (`user` or `user:group`, by name or ID) runs as root: the user
 * `root` or the ID `0`. The group does not matter: a process of user root has every privilege.
 */
export function isRootPosixUser(value: string): boolean {
  const user = value.split(':')[0].trim();
  return user === 'root' || /^0+$/.test(user);
}

/** A POSIX user of the template read as text (see `asString`), `Unresolved` when only known at deploy. */
export function posixUserValues(node: CfnResource, value: unknown, findings: Findings, path: string): string[] {
  return readEach(node, value, asString, findings, path).filter((v): v is string => typeof v === 'string');
}
