/**
 * AWS IoT's transient errors as Step Functions names them for the `aws-sdk:iot` integration
 * (`Iot.` and the API's exception name): the errors a state machine's IoT steps retry.
 */
export const IOT_TRANSIENT_ERRORS = ['Iot.ThrottlingException', 'Iot.ServiceUnavailableException', 'Iot.InternalFailureException'];
