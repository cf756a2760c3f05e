/**
 * The AWS Signer platforms that sign firmware for AWS IoT devices. The platform fixes the
 * signature format and algorithms the device must verify.
 */
export enum FirmwareSigningPlatform {
  /** SHA-256 and ECDSA, for devices that verify with AWS IoT Device Management's OTA libraries. */
  AWS_IOT_DEVICE_MANAGEMENT_SHA256_ECDSA = 'AWSIoTDeviceManagement-SHA256-ECDSA',
  /** SHA-256 and ECDSA, in the format of the FreeRTOS OTA library. */
  AMAZON_FREE_RTOS_DEFAULT = 'AmazonFreeRTOS-Default',
  /** SHA-1 and RSA for the Texas Instruments CC3220SF under FreeRTOS (that chip's bootloader needs it). */
  AMAZON_FREE_RTOS_TI_CC3220SF = 'AmazonFreeRTOS-TI-CC3220SF',
}
