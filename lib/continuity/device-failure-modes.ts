import { Criticality } from '../core/asset-tags';
import { describeValue } from '../core/private/describe';

/** What a device of a category does when it loses the cloud, and so what containment may do to it. */
export enum FailureMode {
  /**
   * The device keeps doing its local job on its last safe configuration (a valve controller
   * keeps regulating). Containment must never disconnect it: it is quarantined (least privilege)
   * but its certificate stays active.
   */
  FAIL_OPEN = 'FAIL_OPEN',
  /**
   * The device stops in a safe state (a smart bulb switches off, a lock stays locked).
   * Containment may disconnect it by deactivating its certificate.
   */
  FAIL_CLOSED = 'FAIL_CLOSED',
}

/** Props of `DeviceFailureModes.of`: the mode of each device category (`criticality` tag). */
export interface DeviceFailureModesProps {
  /** @default FailureMode.FAIL_CLOSED */
  readonly low?: FailureMode;
  /** @default FailureMode.FAIL_CLOSED */
  readonly medium?: FailureMode;
  /** @default FailureMode.FAIL_OPEN */
  readonly high?: FailureMode;
  /**
   * A safety-critical device must keep running whatever happens to the cloud.
   * @default FailureMode.FAIL_OPEN
   */
  readonly safetyCritical?: FailureMode;
}

/**
 * The fail-open or fail-closed choice per device category (the practice 2 `criticality`
 * attribute or tag), declared once: `BackupAndRecovery` documents it and `IncidentResponse`
 * playbooks respect it (a fail-open device is never disconnected). A device of unknown
 * criticality counts as safety-critical.
 *
 * | criticality | default |
 * |---|---|
 * | low, medium | fail closed |
 * | high, safety-critical, unknown | fail open |
 */
export class DeviceFailureModes {
  /** The defaults above. */
  public static readonly DEFAULT = new DeviceFailureModes({});

  /** Modes of your own; categories left out keep their default. */
  public static of(props: DeviceFailureModesProps): DeviceFailureModes {
    const problems: string[] = [];
    for (const [key, value] of Object.entries(props ?? {})) {
      if (!['low', 'medium', 'high', 'safetyCritical'].includes(key)) {
        problems.push(`unknown category ${JSON.stringify(key)} (allowed: low, medium, high, safetyCritical)`);
      } else if (value !== undefined && !Object.values(FailureMode).includes(value as FailureMode)) {
        problems.push(`${key} must be one of ${Object.values(FailureMode).join(', ')}, got ${describeValue(value)}`);
      }
    }
    if (problems.length > 0) throw new Error(`DeviceFailureModes.of: ${problems.join('; ')}`);
    return new DeviceFailureModes(props ?? {});
  }

  private readonly modes: { readonly [criticality: string]: FailureMode };

  private constructor(props: DeviceFailureModesProps) {
    this.modes = {
      [Criticality.LOW]: props.low ?? FailureMode.FAIL_CLOSED,
      [Criticality.MEDIUM]: props.medium ?? FailureMode.FAIL_CLOSED,
      [Criticality.HIGH]: props.high ?? FailureMode.FAIL_OPEN,
      [Criticality.SAFETY_CRITICAL]: props.safetyCritical ?? FailureMode.FAIL_OPEN,
    };
  }

  /** The mode of a category. */
  public modeOf(criticality: Criticality): FailureMode {
    return this.modes[criticality] ?? this.modes[Criticality.SAFETY_CRITICAL];
  }

  /** The `criticality` values whose devices fail open: containment never disconnects them. */
  public get failOpenCriticalities(): string[] {
    return Object.values(Criticality).filter((c) => this.modes[c] === FailureMode.FAIL_OPEN);
  }

  /** The `criticality` values whose devices fail closed: containment may disconnect them. */
  public get failClosedCriticalities(): string[] {
    return Object.values(Criticality).filter((c) => this.modes[c] === FailureMode.FAIL_CLOSED);
  }
}
