export { IoTJobAbortConfigured } from './IoTJobAbortConfigured';
export { IoTJobStagedRollout } from './IoTJobStagedRollout';
export { IoTJobTimeoutConfigured } from './IoTJobTimeoutConfigured';
export { IoTOtaUpdateFilesSigned } from './IoTOtaUpdateFilesSigned';
export { IoTGreengrassDeploymentRollback } from './IoTGreengrassDeploymentRollback';
export { IoTGreengrassDeploymentAbort } from './IoTGreengrassDeploymentAbort';
export { IoTGreengrassDeploymentStagedRollout } from './IoTGreengrassDeploymentStagedRollout';
