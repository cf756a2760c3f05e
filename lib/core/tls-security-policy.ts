import { describeValue, isToken, TOKEN_DESCRIPTION } from './private/describe';

/**
 * An AWS IoT Core TLS security policy for a domain configuration.
 *
 * Only the 2022-10 policies are offered as members: they allow TLS 1.2 and 1.3 (or 1.3 alone)
 * with forward-secret AEAD ciphers only. `of()` takes any other policy name for the few fleets
 * that must name one explicitly; the rule pack still flags the older ones.
 */
export class TlsSecurityPolicy {
  /** TLS 1.2 and 1.3, forward-secret AEAD ciphers only. */
  public static readonly TLS13_1_2_2022_10 = new TlsSecurityPolicy('IoTSecurityPolicy_TLS13_1_2_2022_10');
  /** TLS 1.3 only. */
  public static readonly TLS13_1_3_2022_10 = new TlsSecurityPolicy('IoTSecurityPolicy_TLS13_1_3_2022_10');
  /** TLS 1.2 only, forward-secret AEAD ciphers only: for devices whose TLS stack has no 1.3. */
  public static readonly TLS12_1_2_2022_10 = new TlsSecurityPolicy('IoTSecurityPolicy_TLS12_1_2_2022_10');

  /** The policies the library judges modern: the three 2022-10 policies (TLS 1.2/1.3, 1.3 only, 1.2 only). */
  public static readonly MODERN: readonly string[] = [
    TlsSecurityPolicy.TLS13_1_2_2022_10.policyName,
    TlsSecurityPolicy.TLS13_1_3_2022_10.policyName,
    TlsSecurityPolicy.TLS12_1_2_2022_10.policyName,
  ];

  /**
   * A policy by its AWS name.
   * @param policyName an `IoTSecurityPolicy_...` name
   */
  public static of(policyName: string): TlsSecurityPolicy {
    if (isToken(policyName)) {
      // Whether a policy is modern is judged at synth, by its name.
      throw new Error(`TlsSecurityPolicy.of: policyName must be a literal name such as 'IoTSecurityPolicy_TLS13_1_2_2022_10', got ${TOKEN_DESCRIPTION}`);
    }
    if (typeof policyName !== 'string' || !/^IoTSecurityPolicy_[A-Za-z0-9_]+$/.test(policyName)) {
      throw new Error(`TlsSecurityPolicy.of: policyName must be an AWS IoT policy name such as 'IoTSecurityPolicy_TLS13_1_2_2022_10', got ${typeof policyName === 'string' ? `'${policyName}'` : describeValue(policyName)}`);
    }
    return new TlsSecurityPolicy(policyName);
  }

  /** Whether this is one of the 2022-10 policies. */
  public get isModern(): boolean {
    return TlsSecurityPolicy.MODERN.includes(this.policyName);
  }

  private constructor(
    /** The policy's name as AWS IoT Core knows it. */
    public readonly policyName: string,
  ) {}
}
