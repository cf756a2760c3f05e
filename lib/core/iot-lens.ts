/**
 * The security questions of the AWS Well-Architected IoT Lens, with their titles; a rule's
 * `iotLens` names the ones it serves, and the posture report groups them by practice.
 */
export const IOT_LENS_SECURITY_QUESTIONS = {
  IOTSEC01: 'How do you associate IoT identities and permissions with your devices?',
  IOTSEC02: 'How do you secure your devices and protect device credentials?',
  IOTSEC03: 'How do you authenticate and authorize user access to your IoT application?',
  IOTSEC04: 'How do you apply least privilege to principals that interact with your IoT application?',
  IOTSEC05: 'How do you manage device certificates, including installation, validation, revocation, and rotation?',
  IOTSEC06: 'How do you analyze application and device logs and metrics to detect security issues?',
  IOTSEC07: 'What infrastructure protection configuration has been defined for your AWS organization and accounts?',
  IOTSEC08: 'How is the infrastructure into which your IoT devices are deployed managed and maintained?',
  IOTSEC09: 'What processes are used to manage and maintain the hardware or software deployed and configured in your IoT devices?',
  IOTSEC10: 'How do you make sure that device data is protected at rest and in transit?',
  IOTSEC11: 'How do you plan the security lifecycle of your IoT devices?',
  IOTSEC12: 'How do you develop, maintain, manage, and deploy application code to your IoT devices and gateways?',
  IOTSEC13: 'How do you identify and remediate risks in IoT device firmware, IoT application code, and depended-upon packages or libraries?',
  IOTSEC14: 'How do you govern the security of your IoT applications?',
  IOTSEC15: 'What regulations apply to your IoT applications and how do you show compliance with these regulations?',
} as const;

/** An AWS IoT Lens security question ID, `IOTSEC01`..`IOTSEC15`. */
export type IotLensSecurityQuestion = keyof typeof IOT_LENS_SECURITY_QUESTIONS;
