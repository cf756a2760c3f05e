export { IoTDomainConfigurationAuthorizerOverride } from './IoTDomainConfigurationAuthorizerOverride';
export { IoTDomainConfigurationTlsPolicy } from './IoTDomainConfigurationTlsPolicy';
export { IoTPlainHttpUrl } from './IoTPlainHttpUrl';
export { IoTGreengrassLocalMqttTls } from './IoTGreengrassLocalMqttTls';
