export * from './IoTPolicyNoWildcardActions';
export * from './IoTPolicyDataPlaneScopedToThing';
export * from './IoTPolicyNoControlPlaneActions';
export * from './IoTPolicyDenyNoMqttWildcards';
export * from './IoTPolicyResolvable';
