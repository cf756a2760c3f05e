/*
 * An in-memory AWS IoT registry, incident table, topic and approver, answering the tasks of the
 * incident response state machines (test/runtime/asl-jsonata.ts runs them). It behaves as the
 * services do where it matters to the playbooks: unknown things, certificates and findings are
 * ResourceNotFoundException, a revoked certificate cannot be made ACTIVE again, a conditional
 * write whose condition fails is ConditionalCheckFailedException, and the IoT results come back
 * with PascalCase member names (the playbooks must read them whichever case they get).
 */
import { TaskDoubles, TaskFailure } from './asl-jsonata';

export interface Device {
  readonly thing: string;
  /** The thing's `criticality` attribute (absent: unknown). */
  readonly criticality?: string;
}

export interface CertificateState {
  status: 'ACTIVE' | 'INACTIVE' | 'REVOKED';
  things: string[];
  policies: string[];
}

/** What the approver does with a request: approve, refuse, or let it time out. */
export type Approver = (request: any) => { approved: boolean; approver?: string } | 'timeout';

const notFound = (what: string) => new TaskFailure('Iot.ResourceNotFoundException', `${what} does not exist`);
const certId = (arn: string) => /:cert\/([0-9a-zA-Z-]+)$/.exec(arn)?.[1] ?? arn;

export class Fleet {
  public readonly things = new Map<string, { attributes: { [k: string]: string } }>();
  public readonly certificates = new Map<string, CertificateState>();
  public readonly groups = new Map<string, Set<string>>();
  public readonly incidents = new Map<string, { [attribute: string]: { S: string } }>();
  public readonly findings = new Map<string, { checkName: string; certificateId?: string; policyName?: string; suppressed?: boolean }>();
  public readonly published: any[] = [];
  public readonly approvalRequests: any[] = [];
  public approver: Approver = () => ({ approved: true, approver: 'arn:aws:iam::111122223333:role/oncall' });

  /** Registers a thing. */
  public thing(name: string, criticality?: string): this {
    this.things.set(name, { attributes: criticality === undefined ? {} : { criticality } });
    return this;
  }

  /** Registers an ACTIVE certificate attached to `things`, with `policies`. */
  public certificate(id: string, things: string[], policies: string[] = ['device-policy']): this {
    this.certificates.set(id, { status: 'ACTIVE', things: [...things], policies: [...policies] });
    return this;
  }

  /** Every thing in a thing group whose name says it is the quarantine group. */
  public quarantined(): string[] {
    return [...this.groups.entries()].filter(([g]) => /quarantine/i.test(g)).flatMap(([, members]) => [...members]).sort();
  }

  /** A deep copy of the fleet's state (things in quarantine, certificates), to compare before and after. */
  public snapshot(): object {
    return JSON.parse(JSON.stringify({ quarantined: this.quarantined(), certificates: Object.fromEntries(this.certificates) }));
  }

  public incident(id: string): { [attribute: string]: string } | undefined {
    const item = this.incidents.get(id);
    return item && Object.fromEntries(Object.entries(item).map(([k, v]) => [k, v.S]));
  }

  public doubles(): TaskDoubles {
    const iot = (action: string) => `arn:aws:states:::aws-sdk:iot:${action}`;
    return {
      [iot('describeAuditFinding')]: (a) => {
        const f = this.findings.get(a.FindingId);
        if (!f) throw notFound(`finding ${a.FindingId}`);
        const resource = f.certificateId
          ? { ResourceType: 'DEVICE_CERTIFICATE', ResourceIdentifier: { DeviceCertificateId: f.certificateId } }
          : { ResourceType: 'IOT_POLICY', ResourceIdentifier: { PolicyVersionIdentifier: { PolicyName: f.policyName ?? 'p', PolicyVersionId: '1' } } };
        return { Finding: { FindingId: a.FindingId, CheckName: f.checkName, Severity: 'CRITICAL', NonCompliantResource: resource, IsSuppressed: f.suppressed === true } };
      },
      [iot('listPrincipalThings')]: (a) => {
        const c = this.certificates.get(certId(a.Principal));
        if (!c) throw notFound(`certificate ${a.Principal}`);
        const from = a.NextToken ? Number(a.NextToken) : 0;
        const page = c.things.slice(from, from + (a.MaxResults ?? 25));
        return { Things: page, ...(from + page.length < c.things.length ? { NextToken: String(from + page.length) } : {}) };
      },
      [iot('describeThing')]: (a) => {
        const t = this.things.get(a.ThingName);
        if (!t) throw notFound(`thing ${a.ThingName}`);
        return { ThingName: a.ThingName, Attributes: { ...t.attributes } };
      },
      [iot('addThingToThingGroup')]: (a) => {
        if (!this.things.has(a.ThingName)) throw notFound(`thing ${a.ThingName}`);
        if (!this.groups.has(a.ThingGroupName)) this.groups.set(a.ThingGroupName, new Set());
        this.groups.get(a.ThingGroupName)!.add(a.ThingName);
        return {};
      },
      [iot('removeThingFromThingGroup')]: (a) => {
        this.groups.get(a.ThingGroupName)?.delete(a.ThingName);
        return {};
      },
      [iot('listAttachedPolicies')]: (a) => {
        const c = this.certificates.get(certId(a.Target));
        if (!c) throw notFound(`target ${a.Target}`);
        return { Policies: c.policies.map((p) => ({ PolicyName: p, PolicyArn: `arn:aws:iot:eu-west-1:111122223333:policy/${p}` })) };
      },
      [iot('detachPolicy')]: (a) => {
        const c = this.certificates.get(certId(a.Target));
        if (!c) throw notFound(`target ${a.Target}`);
        c.policies = c.policies.filter((p) => p !== a.PolicyName);
        return {};
      },
      [iot('attachPolicy')]: (a) => {
        const c = this.certificates.get(certId(a.Target));
        if (!c) throw notFound(`target ${a.Target}`);
        if (!c.policies.includes(a.PolicyName)) c.policies.push(a.PolicyName);
        return {};
      },
      [iot('updateCertificate')]: (a) => {
        const c = this.certificates.get(a.CertificateId);
        if (!c) throw notFound(`certificate ${a.CertificateId}`);
        if (c.status === 'REVOKED') throw new TaskFailure('Iot.CertificateStateException', 'a revoked certificate cannot change status');
        c.status = a.NewStatus;
        return {};
      },
      'arn:aws:states:::dynamodb:putItem': (a) => {
        if (a.ConditionExpression !== undefined && a.ConditionExpression !== 'attribute_not_exists(incidentId)') {
          throw new Error(`fleet double: putItem condition ${a.ConditionExpression} is not modelled`);
        }
        if (a.ConditionExpression && this.incidents.has(a.Item.incidentId.S)) {
          throw new TaskFailure('DynamoDB.ConditionalCheckFailedException', 'The conditional request failed');
        }
        this.incidents.set(a.Item.incidentId.S, JSON.parse(JSON.stringify(a.Item)));
        return {};
      },
      'arn:aws:states:::dynamodb:getItem': (a) => {
        const item = this.incidents.get(a.Key.incidentId.S);
        return item ? { Item: JSON.parse(JSON.stringify(item)) } : {};
      },
      'arn:aws:states:::dynamodb:updateItem': (a) => this.updateItem(a),
      'arn:aws:states:::sns:publish': (a) => {
        this.published.push({ subject: a.Subject, message: typeof a.Message === 'string' ? JSON.parse(a.Message) : a.Message });
        return { MessageId: `m-${this.published.length}` };
      },
      'arn:aws:states:::lambda:invoke.waitForTaskToken': (a, context) => {
        expect(context.taskToken).toBeDefined();
        expect(a.Payload.taskToken).toBe(context.taskToken);
        this.approvalRequests.push(a.Payload);
        const decision = this.approver(a.Payload);
        if (decision === 'timeout') throw new TaskFailure('States.Timeout', 'the approval timed out');
        return decision;
      },
    };
  }

  /**
   * DynamoDB UpdateItem (the Step Functions integration's arguments and the SDK's input have one
   * shape) with the expressions the playbooks and the approval functions write: SET and REMOVE,
   * a condition of `attribute_exists(x)`, `#n IN (:a, :b)` and `x = :v` joined by AND, and
   * ReturnValues UPDATED_OLD.
   */
  public updateItem(a: any): { Attributes?: { [attribute: string]: { S: string } } } {
    const id = a.Key.incidentId.S;
    const item = this.incidents.get(id);
    const names: { [k: string]: string } = a.ExpressionAttributeNames ?? {};
    const values: { [k: string]: { S: string } } = a.ExpressionAttributeValues ?? {};
    const name = (n: string) => names[n.trim()] ?? n.trim();
    const holds = (clause: string): boolean => {
      let m = /^attribute_exists\((.+)\)$/.exec(clause);
      if (m) return item?.[name(m[1])] !== undefined;
      m = /^(\S+) IN \(([^)]*)\)$/.exec(clause);
      if (m) return m[2].split(',').map((v) => values[v.trim()].S).includes(item?.[name(m[1])]?.S ?? '\u0000');
      m = /^(\S+) = (:\w+)$/.exec(clause);
      if (m) return item?.[name(m[1])]?.S === values[m[2]].S;
      throw new Error(`fleet-double: condition ${clause} is not supported`);
    };
    const condition: string = a.ConditionExpression ?? '';
    if (condition && !condition.split(' AND ').every((c) => holds(c.trim()))) {
      throw new TaskFailure('DynamoDB.ConditionalCheckFailedException', 'The conditional request failed');
    }
    const target: { [attribute: string]: { S: string } } = item ?? { incidentId: { S: id } };
    const old: { [attribute: string]: { S: string } } = {};
    const m = /^SET (.*?)(?: REMOVE (.*))?$/.exec(a.UpdateExpression)!;
    for (const assignment of m[1].split(',')) {
      const [lhs, rhs] = assignment.split('=').map((x) => x.trim());
      if (target[name(lhs)] !== undefined) old[name(lhs)] = target[name(lhs)];
      target[name(lhs)] = values[rhs];
    }
    for (const removed of m[2] ? m[2].split(',') : []) {
      if (target[name(removed)] !== undefined) old[name(removed)] = target[name(removed)];
      delete target[name(removed)];
    }
    this.incidents.set(id, target);
    return a.ReturnValues === 'UPDATED_OLD' ? { Attributes: old } : {};
  }
}
