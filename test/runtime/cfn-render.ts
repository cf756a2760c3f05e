import { CfnTemplate, SynthesizedStack } from './synthesized';

/*
 * Renders a CloudFormation value to a string a check can read, keeping what the template leaves
 * to deploy time visible: the pseudo parameters as `${AWS.AccountId}`..., another resource's ARN
 * or name as `${Ref=<logicalId>}` / `${GetAtt=<logicalId>.<attr>}` (no colon, so an ARN still splits
 * into its six parts). An intrinsic it cannot read
 * becomes `${?}`, which no check accepts.
 */

export function renderCfn(template: CfnTemplate, value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return '${?}';
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length !== 1) return '${?}';
  const [fn, arg] = entries[0];
  switch (fn) {
    case 'Ref':
      return typeof arg === 'string' ? (arg.startsWith('AWS::') ? `\${${arg.replace('AWS::', 'AWS.')}}` : `\${Ref=${arg}}`) : '${?}';
    case 'Fn::GetAtt': {
      const [id, attr] = Array.isArray(arg) ? arg : typeof arg === 'string' ? arg.split('.') : [];
      return typeof id === 'string' ? `\${GetAtt=${id}.${attr}}` : '${?}';
    }
    case 'Fn::Join': {
      const [sep, parts] = Array.isArray(arg) ? arg : [];
      return Array.isArray(parts) && typeof sep === 'string' ? parts.map((p) => renderCfn(template, p)).join(sep) : '${?}';
    }
    case 'Fn::Sub': {
      const [text, vars] = typeof arg === 'string' ? [arg, {}] : Array.isArray(arg) ? arg : ['', {}];
      if (typeof text !== 'string') return '${?}';
      return text.replace(/\$\{([^}!][^}]*)\}/g, (_m, name: string) => {
        if (vars && name in vars) return renderCfn(template, (vars as Record<string, unknown>)[name]);
        if (name.startsWith('AWS::')) return `\${${name.replace('AWS::', 'AWS.')}}`;
        return name.includes('.') ? `\${GetAtt=${name}}` : `\${Ref=${name}}`;
      });
    }
    case 'Fn::If':
    case 'Fn::Select':
    case 'Fn::ImportValue':
    case 'Fn::FindInMap':
    default:
      return '${?}';
  }
}

/** The account a stack is pinned to, or undefined for an environment-agnostic one. */
export function pinnedAccount(stack: SynthesizedStack): string | undefined {
  const m = /^aws:\/\/(\d{12})\//.exec(stack.environment);
  return m ? m[1] : undefined;
}

/** True when `value` (rendered) names this stack's account: the pseudo parameter, or the account it is pinned to. */
export function isThisAccount(stack: SynthesizedStack, rendered: string): boolean {
  return rendered === '${AWS.AccountId}' || (pinnedAccount(stack) !== undefined && rendered === pinnedAccount(stack));
}

/** The CloudFormation resource types whose ARN is `arn:<partition>:<service>:...`, for an ARN given as `Fn::GetAtt`/`Ref`. */
export function arnServiceOfType(type: string): string | undefined {
  const special: Record<string, string> = {
    'AWS::StepFunctions::StateMachine': 'states',
    'AWS::Events::Rule': 'events',
    'AWS::Events::EventBus': 'events',
    'AWS::Logs::LogGroup': 'logs',
    'AWS::Pipes::Pipe': 'pipes',
    'AWS::EC2::FlowLog': 'ec2',
  };
  if (special[type]) return special[type];
  const m = /^AWS::([A-Za-z0-9]+)::/.exec(type);
  return m ? m[1].toLowerCase() : undefined;
}
