export { IoTDomainConfigurationAuthorizerOverride } from './IoTDomainConfigurationAuthorizerOverride';
export { IoTDomainConfigurationTlsPolicy } from './IoTDomainConfigurationTlsPolicy';
