export { IoTCaCertificateExpiring } from './IoTCaCertificateExpiring';
export { IoTCaCertificateKeyQuality } from './IoTCaCertificateKeyQuality';
export { IoTCertificateSharedByThings } from './IoTCertificateSharedByThings';
export { IoTDeviceCertificateExpiring } from './IoTDeviceCertificateExpiring';
export { IoTDeviceCertificateKeyQuality } from './IoTDeviceCertificateKeyQuality';
export { IoTInactiveCaActiveCertificates } from './IoTInactiveCaActiveCertificates';
