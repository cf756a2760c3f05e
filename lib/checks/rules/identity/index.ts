export { IoTAuthorizerTokenSigning } from './IoTAuthorizerTokenSigning';
export { IoTCaAutoRegistrationTemplate } from './IoTCaAutoRegistrationTemplate';
export { IoTCustomResourceReadable } from './IoTCustomResourceReadable';
export { IoTFleetProvisioningHook } from './IoTFleetProvisioningHook';
export { IoTGrantTakesEffect } from './IoTGrantTakesEffect';
export { IoTNoLiteralSecrets } from './IoTNoLiteralSecrets';
export { IoTNoSecretFlows } from './IoTNoSecretFlows';
export { IoTThingPrincipalExclusive } from './IoTThingPrincipalExclusive';
