export { IoTAuthorizerTokenSigning } from './IoTAuthorizerTokenSigning';
export { IoTCaAutoRegistrationTemplate } from './IoTCaAutoRegistrationTemplate';
export { IoTCustomResourceReadable } from './IoTCustomResourceReadable';
export { IoTFleetProvisioningHook } from './IoTFleetProvisioningHook';
export { IoTNoLiteralSecrets } from './IoTNoLiteralSecrets';
export { IoTThingPrincipalExclusive } from './IoTThingPrincipalExclusive';
