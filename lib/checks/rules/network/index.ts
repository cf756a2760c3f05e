export { IoTVpcEndpointIngressRestricted } from './IoTVpcEndpointIngressRestricted';
