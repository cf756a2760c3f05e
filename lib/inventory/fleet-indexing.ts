import { CustomResource, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { claimAccountSingleton } from '../core/private/account-singleton';
import { firstInvalidCharacter, unknownPropProblems } from '../core/private/props';
import { acknowledge, secureFunction, secureKey } from '../core/private/secure-defaults';
import { describeValue } from '../core/private/describe';

/** What the thing index holds. */
export enum ThingIndexingMode {
  /** Registry data only: names, types, attributes, groups. */
  REGISTRY = 'REGISTRY',
  /** Registry data and the classic shadow. */
  REGISTRY_AND_SHADOW = 'REGISTRY_AND_SHADOW',
}

/** The type of a custom indexed field. */
export enum IndexedFieldType {
  /** A string. */
  STRING = 'String',
  /** A number. */
  NUMBER = 'Number',
  /** A boolean. */
  BOOLEAN = 'Boolean',
}

/** A custom field to index, from thing attributes or shadows. */
export interface IndexedField {
  /** The field's path, e.g. `attributes.firmwareVersion` or `shadow.reported.temperature`. */
  readonly name: string;
  /** Its type. */
  readonly type: IndexedFieldType;
}

/** Props of `FleetIndexing`. */
export interface FleetIndexingProps {
  /**
   * What the thing index holds.
   * @default ThingIndexingMode.REGISTRY_AND_SHADOW
   */
  readonly thingIndexingMode?: ThingIndexingMode;
  /**
   * Index connectivity status, so disconnected or unexpectedly connected devices can be found.
   * @default true
   */
  readonly connectivityIndexing?: boolean;
  /**
   * Named shadows to index (at most 10).
   * @default - none
   */
  readonly namedShadowNames?: string[];
  /**
   * Custom fields to index, so the fleet can be searched and grouped by them.
   * @default - none
   */
  readonly customFields?: IndexedField[];
  /**
   * Index Device Defender Detect violations. Detect is closed to new customers since
   * 2026-08-31, so only accounts that already use it can turn this on.
   * @default - the account's current setting is kept: an account that indexes violations today goes on doing so
   */
  readonly deviceDefenderViolations?: boolean;
  /**
   * The key that encrypts the custom resource's log group and environment. An imported key's
   * policy must allow `logs.<region>.amazonaws.com` to use it (CDK cannot change it).
   * @default - a new customer-managed key with rotation
   */
  readonly encryptionKey?: kms.IKey;
}

const FIELD_NAME = /^(attributes|shadow\.(reported|desired)|shadow\.name\.[A-Za-z0-9:_-]{1,64}\.(reported|desired))\.[A-Za-z0-9_.-]{1,128}$/;
const FIELD_NAME_CHARACTER = /[A-Za-z0-9_.:-]/;
const PROPS: readonly (keyof FleetIndexingProps)[] = [
  'thingIndexingMode', 'connectivityIndexing', 'namedShadowNames', 'customFields', 'deviceDefenderViolations', 'encryptionKey',
];
const SHADOW_NAME = /^[A-Za-z0-9:_-]{1,64}$/;

/** The SSM parameter that keeps the configuration found before, one per account and region like the setting. */
export const FLEET_INDEXING_STATE_PARAMETER = '/cdk-secure-iot/fleet-indexing/state';

/**
 * The account's AWS IoT fleet indexing configuration (practice 2: an inventory you can search
 * and act on by program). CloudFormation has no resource for it, so a custom resource applies
 * it; deleting the stack puts back the configuration found before the library first set it
 * (kept in the SSM parameter `FLEET_INDEXING_STATE_PARAMETER`). Moving the construct, which
 * replaces the custom resource, hands the setting over without restoring it in between.
 *
 * AWS keeps one fleet indexing configuration per account and region: one `FleetIndexing` per
 * environment in an app, enforced at synth.
 */
export class FleetIndexing extends Construct {
  /** The key that encrypts the custom resource's log group and environment. */
  public readonly encryptionKey: kms.IKey;
  /** The configuration applied, as sent to `UpdateIndexingConfiguration`. */
  public readonly thingIndexingConfiguration: { [key: string]: unknown };

  constructor(scope: Construct, id: string, props: FleetIndexingProps = {}) {
    super(scope, id);
    props = props ?? {};
    this.thingIndexingConfiguration = this.configurationFrom(props);
    claimAccountSingleton(this, 'fleet indexing configuration');

    this.encryptionKey = props.encryptionKey ?? secureKey(this, 'Key', {
      description: `Encrypts the fleet indexing custom resource's logs (${this.node.path})`,
    });
    const stack = Stack.of(this);
    const parameterName = FLEET_INDEXING_STATE_PARAMETER;
    const fn = secureFunction(this, 'Handler', {
      handlerName: 'fleet-indexing',
      description: 'cdk-secure-iot: applies the AWS IoT fleet indexing configuration',
      encryptionKey: this.encryptionKey,
    });
    // GetIndexingConfiguration and UpdateIndexingConfiguration have no resource type: IAM
    // accepts only '*' for them (Service Authorization Reference, AWS IoT).
    fn.addToRolePolicy(new iam.PolicyStatement({
      actions: ['iot:GetIndexingConfiguration', 'iot:UpdateIndexingConfiguration'],
      resources: ['*'],
    }));
    fn.addToRolePolicy(new iam.PolicyStatement({
      actions: ['ssm:GetParameter', 'ssm:PutParameter', 'ssm:DeleteParameter'],
      resources: [stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: parameterName.slice(1) })],
    }));
    const policy = fn.role!.node.tryFindChild('DefaultPolicy')!;
    acknowledge(policy, 'AwsSolutions-IAM5[Resource::*]',
      'iot:GetIndexingConfiguration and iot:UpdateIndexingConfiguration support no resource-level permissions; IAM requires Resource "*" for them. Every other statement is scoped to one resource.');

    const resource = new CustomResource(this, 'Resource', {
      serviceToken: fn.functionArn,
      resourceType: 'Custom::IotFleetIndexing',
      properties: {
        ThingIndexingConfiguration: stack.toJsonString(this.thingIndexingConfiguration),
        PreviousConfigurationParameter: parameterName,
      },
    });
    // The pack cannot read what a home-made provider does (IoTSecurity-ID13); this one is the
    // library's own handler, whose role the statements above limit to the indexing configuration.
    acknowledge(resource, 'IoTSecurity::IoTSecurity-ID13[Unreadable::Provider[role]]',
      'The provider is cdk-secure-iot\'s fleet-indexing handler: it calls only iot:GetIndexingConfiguration and iot:UpdateIndexingConfiguration, '
      + 'with the ThingIndexingConfiguration FleetIndexing validated at synth, and keeps the earlier configuration in its own SSM parameter.');
  }

  private configurationFrom(props: FleetIndexingProps): { [key: string]: unknown } {
    const problems: string[] = unknownPropProblems(props, PROPS);
    const mode = props.thingIndexingMode ?? ThingIndexingMode.REGISTRY_AND_SHADOW;
    if (!Object.values(ThingIndexingMode).includes(mode)) {
      problems.push(`thingIndexingMode must be one of ${Object.values(ThingIndexingMode).join(', ')}, got ${describeValue(mode)}`);
    }
    for (const flag of ['connectivityIndexing', 'deviceDefenderViolations'] as const) {
      if (props[flag] !== undefined && typeof props[flag] !== 'boolean') {
        problems.push(`${flag} must be true or false, got ${describeValue(props[flag])}`);
      }
    }
    const shadows = props.namedShadowNames ?? [];
    if (!Array.isArray(shadows) || shadows.length > 10) {
      problems.push(`namedShadowNames must be a list of at most 10 names, got ${describeValue(shadows)}`);
    } else {
      for (const name of shadows) {
        if (!Token.isUnresolved(name) && !SHADOW_NAME.test(name)) {
          problems.push(`namedShadowNames: each name must be 1-64 letters, digits, ':', '_' or '-', got ${describeValue(name)}`);
        }
      }
    }
    const fields = props.customFields ?? [];
    const seen = new Set<string>();
    for (const field of Array.isArray(fields) ? fields : []) {
      if (!field || typeof field.name !== 'string' || (!Token.isUnresolved(field.name) && !FIELD_NAME.test(field.name))) {
        const bad = typeof field?.name === 'string' ? firstInvalidCharacter(field.name, FIELD_NAME_CHARACTER) : undefined;
        problems.push(`customFields: name must be 'attributes.<x>', 'shadow.reported.<x>', 'shadow.desired.<x>' or 'shadow.name.<shadow>.(reported|desired).<x>', `
          + `where <x> is 1-128 letters, digits, '_', '.' or '-', got ${describeValue(field?.name)}${bad ? ` (${bad} is not allowed)` : ''}`);
      } else if (seen.has(field.name)) {
        problems.push(`customFields: ${field.name} is listed twice`);
      } else {
        seen.add(field.name);
      }
      if (!Object.values(IndexedFieldType).includes(field?.type)) {
        problems.push(`customFields: type of ${JSON.stringify(field?.name)} must be one of ${Object.values(IndexedFieldType).join(', ')}, got ${describeValue(field?.type)}`);
      }
    }
    const needsShadow = shadows.length > 0 || (Array.isArray(fields) && fields.some((f) => typeof f?.name === 'string' && f.name.startsWith('shadow.')));
    for (const field of Array.isArray(fields) ? fields : []) {
      const shadow = typeof field?.name === 'string' ? /^shadow\.name\.([^.]+)\./.exec(field.name)?.[1] : undefined;
      if (shadow !== undefined && Array.isArray(shadows) && !shadows.includes(shadow)) {
        problems.push(`customFields: ${field.name} reads the named shadow '${shadow}', which must be listed in namedShadowNames (got ${describeValue(shadows)})`);
      }
    }
    if (needsShadow && mode === ThingIndexingMode.REGISTRY) {
      problems.push('thingIndexingMode must be REGISTRY_AND_SHADOW to index named shadows or shadow fields, got REGISTRY');
    }
    if (!Array.isArray(fields)) problems.push(`customFields must be a list, got ${describeValue(fields)}`);
    if (problems.length > 0) {
      throw new Error(`${this.node.path}: FleetIndexing: ${problems.join('; ')}`);
    }
    return {
      thingIndexingMode: mode,
      thingConnectivityIndexingMode: props.connectivityIndexing === false ? 'OFF' : 'STATUS',
      // Left out, the handler keeps the account's current Detect indexing.
      ...(props.deviceDefenderViolations === undefined ? {} : { deviceDefenderIndexingMode: props.deviceDefenderViolations ? 'VIOLATIONS' : 'OFF' }),
      namedShadowIndexingMode: shadows.length > 0 ? 'ON' : 'OFF',
      ...(shadows.length > 0 ? { filter: { namedShadowNames: shadows } } : {}),
      ...(fields.length > 0 ? { customFields: fields.map((f) => ({ name: f.name, type: f.type })) } : {}),
    };
  }
}
