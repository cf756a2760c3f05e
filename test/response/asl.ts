/*
 * Test helpers for the playbooks' state machines: the rendered definition with CloudFormation
 * references replaced by placeholders (for asl-validator). The definitions are run by
 * test/runtime/asl-jsonata.ts (test/runtime/playbooks.test.ts).
 */
import { Template } from 'aws-cdk-lib/assertions';

export interface Asl {
  readonly StartAt: string;
  readonly QueryLanguage?: string;
  readonly States: { [name: string]: AslState };
}
export interface AslState {
  readonly Type: string;
  readonly Next?: string;
  readonly End?: boolean;
  readonly Comment?: string;
  readonly Resource?: string;
  readonly Arguments?: unknown;
  readonly Assign?: { [name: string]: unknown };
  readonly Output?: unknown;
  readonly Choices?: { Condition: string; Next: string }[];
  readonly Default?: string;
  readonly Catch?: { ErrorEquals: string[]; Next: string; Output?: unknown }[];
  readonly TimeoutSeconds?: number;
  readonly Items?: unknown;
  readonly ItemProcessor?: { StartAt: string; States: { [name: string]: AslState } };
}

/** Every state of a definition, those inside Map states included. */
export function allStates(asl: { States: { [name: string]: AslState } }): { [name: string]: AslState } {
  const out: { [name: string]: AslState } = {};
  for (const [name, state] of Object.entries(asl.States)) {
    out[name] = state;
    if (state.ItemProcessor) Object.assign(out, allStates(state.ItemProcessor));
  }
  return out;
}

function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as { [k: string]: unknown };
  if (v['Fn::Join']) {
    const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
    return parts.map(flatten).join(sep);
  }
  if (v.Ref === 'AWS::Partition') return 'aws';
  if (v.Ref === 'AWS::Region') return 'eu-west-1';
  if (v.Ref === 'AWS::AccountId') return '111122223333';
  if (v.Ref) return `${v.Ref}`;
  if (v['Fn::GetAtt']) {
    const [id, attr] = v['Fn::GetAtt'] as [string, string];
    return attr === 'Arn' ? `arn:aws:lambda:eu-west-1:111122223333:function:${id}` : `${id}.${attr}`;
  }
  throw new Error(`cannot flatten ${JSON.stringify(value)}`);
}

/** The definitions of every state machine in a template, by logical ID. */
export function definitions(template: Template): { [logicalId: string]: Asl } {
  const machines = template.findResources('AWS::StepFunctions::StateMachine');
  return Object.fromEntries(Object.entries(machines).map(([id, r]) => [id, JSON.parse(flatten(r.Properties.DefinitionString))]));
}
