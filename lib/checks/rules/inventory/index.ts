export { IoTSecurityHubTagged } from './IoTSecurityHubTagged';
export { IoTPracticeTagKeys } from './IoTPracticeTagKeys';
