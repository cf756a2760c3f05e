import { displayValue } from './private/display';
import { analyzePolicyDocument } from './private/iot-policy-analyzer';

/**
 * What `PolicyAnalysis.analyzeIotPolicy` finds in one IoT policy document: each list holds the
 * finding IDs one rule of `IotSecurityChecks` would report (`Action::iot:*`, `Resource::<arn>`,
 * `Unresolved::<path>`), empty when the rule has nothing to say.
 */
export interface IotPolicyFindings {
  /** IoTSecurity-ID1: an Allow of a wildcard action, or of `NotAction`. */
  readonly wildcardActions: string[];
  /** IoTSecurity-ID2: a data-plane action allowed beyond the connecting device's own resources. */
  readonly unscopedDataPlane: string[];
  /** IoTSecurity-ID3: an Allow of anything but device actions. */
  readonly controlPlane: string[];
  /** IoTSecurity-ID4: a Deny whose topic or topic filter holds MQTT `+` or `#`. */
  readonly denyMqttWildcards: string[];
  /** IoTSecurity-ID5: each value that could not be read statically. */
  readonly unresolved: string[];
}

/**
 * The policy analysis `IotSecurityChecks` runs, for a construct or an app that judges a policy
 * before the pack does (`DevicePolicy` checks its rendered document with it at synth): the same
 * reading, so a construct and the pack never disagree on a document.
 */
export class PolicyAnalysis {
  /**
   * Analyzes an IoT policy document as CloudFormation would hold it (an object or a JSON string,
   * intrinsics anywhere, every form it can deploy in judged), as the IoT policy rules ID1..ID5
   * do. Never throws: whatever cannot be read is an `Unresolved::` finding.
   *
   * @param document the policy document, resolved (`Stack.of(scope).resolve(...)`)
   */
  public static analyzeIotPolicy(document: any): IotPolicyFindings {
    return analyzePolicyDocument(document);
  }

  /**
   * A value of the template (an ARN, a name) as the pack writes it in a finding ID
   * (`IoTSecurity-GW5[SharedData::<value>]`), so a construct can acknowledge exactly the finding
   * its resource will get: the parts CloudFormation fills at deploy keep their names
   * (`${AWS::Partition}`, `${Param}`, `${Bucket.Arn}`), as every rule writes them.
   *
   * @param value the value, resolved (`Stack.of(scope).resolve(...)`)
   */
  public static findingValue(value: any): string {
    return displayValue(value);
  }

  private constructor() {}
}
