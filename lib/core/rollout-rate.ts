import { describeValue, isToken, TOKEN_DESCRIPTION } from './private/describe';

/**
 * How fast a job or OTA update reaches the fleet. AWS IoT Jobs cap the rate at 1,000 things a
 * minute; exponential rollouts start slow and speed up only while things keep succeeding.
 */
export class RolloutRate {
  /**
   * A constant rate.
   * @param maximumPerMinute things notified a minute, 1..1000
   */
  public static constant(maximumPerMinute: number): RolloutRate {
    RolloutRate.check('RolloutRate.constant', 'maximumPerMinute', maximumPerMinute, 1, 1000);
    return new RolloutRate(maximumPerMinute);
  }

  /**
   * A rate that starts at `baseRatePerMinute` and multiplies by `incrementFactor` each time
   * `successesBeforeIncrease` things have succeeded, up to `maximumPerMinute`.
   */
  public static exponential(options: ExponentialRolloutOptions): RolloutRate {
    const where = 'RolloutRate.exponential';
    if (options === null || typeof options !== 'object') {
      throw new Error(`${where}: options must be { baseRatePerMinute, incrementFactor, maximumPerMinute }, got ${describeValue(options)}`);
    }
    RolloutRate.check(where, 'maximumPerMinute', options.maximumPerMinute, 1, 1000);
    RolloutRate.check(where, 'baseRatePerMinute', options.baseRatePerMinute, 1, 1000);
    RolloutRate.check(where, 'incrementFactor', options.incrementFactor, 1.1, 5, false);
    RolloutRate.check(where, 'successesBeforeIncrease', options.successesBeforeIncrease ?? 10, 1, Number.MAX_SAFE_INTEGER);
    if (options.baseRatePerMinute > options.maximumPerMinute) {
      throw new Error(`${where}: baseRatePerMinute (${options.baseRatePerMinute}) must not exceed maximumPerMinute (${options.maximumPerMinute})`);
    }
    return new RolloutRate(options.maximumPerMinute, {
      baseRatePerMinute: options.baseRatePerMinute,
      incrementFactor: options.incrementFactor,
      successesBeforeIncrease: options.successesBeforeIncrease ?? 10,
    });
  }

  private static check(where: string, prop: string, value: number, min: number, max: number, integer = true): void {
    // The rate decides the job's configuration and the strictness checks at synth: a token has no value yet.
    if (isToken(value)) throw new Error(`${where}: ${prop} must be a literal number, got ${TOKEN_DESCRIPTION}`);
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
      throw new Error(`${where}: ${prop} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got ${describeValue(value)}`);
    }
  }

  private constructor(
    /** The highest rate, things a minute. */
    public readonly maximumPerMinute: number,
    /** The exponential ramp, if this is an exponential rollout. */
    public readonly exponentialRamp?: Required<Omit<ExponentialRolloutOptions, 'maximumPerMinute'>>,
  ) {}
}

/** Options of an exponential rollout. */
export interface ExponentialRolloutOptions {
  /** The rate to start at, things a minute (1..1000). */
  readonly baseRatePerMinute: number;
  /** The factor the rate grows by (1.1..5). */
  readonly incrementFactor: number;
  /** The highest rate, things a minute (1..1000). */
  readonly maximumPerMinute: number;
  /**
   * Things that must succeed before the rate grows.
   * @default 10
   */
  readonly successesBeforeIncrease?: number;
}
