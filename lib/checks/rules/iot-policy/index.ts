export { IoTPolicyNoWildcardActions } from './IoTPolicyNoWildcardActions';
export { IoTPolicyDataPlaneScopedToThing } from './IoTPolicyDataPlaneScopedToThing';
export { IoTPolicyNoControlPlaneActions } from './IoTPolicyNoControlPlaneActions';
export { IoTPolicyDenyNoMqttWildcards } from './IoTPolicyDenyNoMqttWildcards';
export { IoTPolicyResolvable } from './IoTPolicyResolvable';
