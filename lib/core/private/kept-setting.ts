import {
  DeleteParameterCommand,
  GetParameterCommand,
  ParameterAlreadyExists,
  ParameterNotFound,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';

/*
 * What the custom resources that own an account-and-region setting (fleet indexing, IoT event
 * configurations) keep in SSM: the setting as found before the library changed it, and the
 * resource that owns it now, so a delete restores it only while it still owns it (a moved
 * construct's new resource is created before the old one is deleted). Imported by handlers
 * (esbuild bundles it into each), never by constructs.
 */

/** What the SSM parameter holds. */
export interface KeptState<T> {
  /** The setting as found before any resource of this library set it. */
  readonly previous: T;
  /** The physical ID of the resource that owns the setting now. */
  readonly owner: string;
}

/** How one setting is kept. */
export interface KeptSettingOptions {
  /** The setting's name in messages (`fleet indexing`, `IoT event configuration`). */
  readonly what: string;
  /** The parameter's description when it is first written. */
  readonly description: string;
  /** Whether a parameter's `previous` is one this setting wrote. */
  readonly isPrevious: (previous: unknown) => boolean;
}

const isNamed = (e: unknown, name: string) => (e as Error)?.name === name;

/** The SSM side of a setting a custom resource owns: read, write, take over and forget what was found. */
export class KeptSetting<T> {
  constructor(private readonly ssm: SSMClient, private readonly options: KeptSettingOptions) {}

  /** What the parameter keeps; undefined when there is no parameter. A parameter of another shape is an error, never overwritten. */
  public async read(name: string): Promise<KeptState<T> | undefined> {
    try {
      const out = await this.ssm.send(new GetParameterCommand({ Name: name }));
      if (!out.Parameter?.Value) return undefined;
      const kept = JSON.parse(out.Parameter.Value) as KeptState<T>;
      if (!this.options.isPrevious(kept?.previous) || typeof kept.owner !== 'string') {
        throw new Error(`${name} does not hold cdk-secure-iot's ${this.options.what} state: ${out.Parameter.Value}`);
      }
      return kept;
    } catch (e) {
      if (e instanceof ParameterNotFound || isNamed(e, 'ParameterNotFound')) return undefined;
      throw e;
    }
  }

  /** Writes the state; without `overwrite`, fails with ParameterAlreadyExists if another writer came first. */
  public async write(name: string, state: KeptState<T>, overwrite: boolean): Promise<void> {
    await this.ssm.send(new PutParameterCommand({
      Name: name,
      Value: JSON.stringify(state),
      Type: 'String',
      Overwrite: overwrite,
      ...(overwrite ? {} : { Description: this.options.description }),
    }));
  }

  /** Takes ownership of the setting, keeping the earliest setting found (`current` reads it now). Returns what is kept. */
  public async takeOwnership(name: string, owner: string, current: () => Promise<T>): Promise<KeptState<T>> {
    const kept = await this.read(name);
    if (kept) {
      if (kept.owner !== owner) await this.write(name, { previous: kept.previous, owner }, true);
      return { previous: kept.previous, owner };
    }
    const state = { previous: await current(), owner };
    try {
      await this.write(name, state, false);
      return state;
    } catch (e) {
      if (!(e instanceof ParameterAlreadyExists) && !isNamed(e, 'ParameterAlreadyExists')) throw e;
      // Written between our read and write: keep that earlier finding, as above.
      return this.takeOwnership(name, owner, current);
    }
  }

  /** Deletes the parameter; one already gone is no error. */
  public async forget(name: string): Promise<void> {
    await this.ssm.send(new DeleteParameterCommand({ Name: name })).catch((e: Error) => {
      if (!(e instanceof ParameterNotFound) && !isNamed(e, 'ParameterNotFound')) throw e;
    });
  }
}
