export { IoTJobAbortConfigured } from './IoTJobAbortConfigured';
export { IoTJobStagedRollout } from './IoTJobStagedRollout';
export { IoTJobTimeoutConfigured } from './IoTJobTimeoutConfigured';
export { IoTOtaUpdateFilesSigned } from './IoTOtaUpdateFilesSigned';
