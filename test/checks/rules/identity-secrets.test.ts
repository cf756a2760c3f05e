import * as crypto from 'crypto';
import { CfnOutput, CfnParameter, CfnResource, Fn, SecretValue, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import * as cr from 'aws-cdk-lib/custom-resources';
import { isDerPrivateKey, isSecretName } from '../../../lib/checks/private/secrets';
import { IoTNoLiteralSecrets, IoTNoSecretFlows } from '../../../lib/checks/rules/identity';
import { cfnResources, check, checkType, COMPLIANT, includeTemplate, newStack } from '../rule-test-helpers';

/** The CloudFormation resource of an AwsCustomResource. */
function customResource(call: cr.AwsCustomResource): CfnResource {
  return call.node.findChild('Resource').node.defaultChild as CfnResource;
}

function template(resources: object, parameters: object = {}, outputs: object = {}): object {
  return { Parameters: parameters, Resources: resources, Outputs: outputs };
}

function fn(environment: object): object {
  return { Type: 'AWS::Lambda::Function', Properties: { Role: 'arn:aws:iam::111111111111:role/r', Handler: 'i.h', Runtime: 'nodejs22.x', Code: { ZipFile: 'x' }, Environment: { Variables: environment } } };
}

function instance(userData: unknown): object {
  return { Type: 'AWS::EC2::Instance', Properties: { ImageId: 'ami-12345678', InstanceType: 't3.micro', UserData: userData } };
}

/** ID10 on the one resource of `type` in a stack built from a plain template. */
function id10(t: object, type: string) {
  const stack = newStack();
  includeTemplate(stack, t);
  return checkType(IoTNoLiteralSecrets, stack, type);
}

/** ID11 findings of every resource of a stack, by logical ID (resources without one left out). */
function flows(stack: Stack): { [id: string]: string[] } {
  const out: { [id: string]: string[] } = {};
  for (const r of cfnResources(stack)) {
    const result = check(IoTNoSecretFlows, r);
    if (Array.isArray(result)) out[stack.resolve(r.logicalId)] = result as string[];
    else expect(result).toEqual(COMPLIANT);
  }
  return out;
}

const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const der = (key: crypto.KeyObject, options: object) => key.export({ format: 'der', ...options } as crypto.KeyExportOptions<'der'>) as Buffer;

describe('ID10 names: fused, abbreviated and qualified', () => {
  test.each([
    'DBPASS', 'DB_PASS', 'PGPASSWORD', 'MYSQL_PWD', 'MQTT_PASSWD', 'MQTTPASS', 'REDIS_AUTH', 'AMQP_PASS', 'brokerPwd', 'DB_PW',
    'PSK', 'WIFI_PSK', 'pre_shared_key', 'presharedkey', 'PreSharedKey', 'passphrase', 'wpa_passphrase', 'KEYSTORE_PASS',
    'jwtSecret', 'clientsecret', 'apiKey', 'APIKEY', 'x-api-key', 'AUTH_TOKEN', 'bearer', 'OAuthToken', 'BASIC_AUTH', 'dbcreds',
    'PASSWORD2', 'MasterUserPassword', 'AuthToken', 'ApiKeyValue', 'AppKey', 'NwkKey', 'AppSKey', 'NwkSEncKey', 'FNwkSIntKey',
    'spring.datasource.password', '/app/prod/db/password', 'mqtt_passwords',
  ])('%s names a secret', (name) => {
    expect(isSecretName(name)).toBe(true);
  });

  test.each([
    // Words that merely contain a stem.
    'compass', 'bypass', 'BYPASS_CACHE', 'passenger', 'Passport', 'tokenizer', 'PassthroughBehavior', 'PASS_THROUGH', 'chpasswd',
    // Abbreviations that say nothing alone: the shell's working directory, an auth switch.
    'PWD', 'AUTH', 'AUTH_MODE', 'AuthType', 'AllowedOAuthFlows', 'OAuthScopes',
    // Pointers to a secret, and settings about one.
    'SECRET_ARN', 'DB_PASSWORD_SECRET_ARN', 'TokenKeyName', 'PASSWORD_LENGTH', 'PASSWORD_PARAMETER', 'MQTT_PASS_FILE', 'REDIS_AUTH_ENABLED',
    'SecretStringTemplate', 'ApiKeyRequired', 'ApiKeySourceType', 'CredentialsArn', 'PSK_IDENTITY', 'password-stdin', 'PasswordResetRequired',
    'SecretsManagerSecretId', 'CREDENTIAL_PROVIDER', 'KmsKeyId', 'KMSMasterKeyID', 'KeyName',
    // Request tokens of AWS APIs, and public keys.
    'ServiceToken', 'ClientToken', 'ClientRequestToken', 'CreationToken', 'NextToken', 'PUBLIC_KEY', 'publicKey', 'TokenSigningPublicKeys',
    // LoRaWAN identifiers (not keys).
    'AppEui', 'JoinEui', 'DevEui',
  ])('%s does not name a secret', (name) => {
    expect(isSecretName(name)).toBe(false);
  });

  test('L1: fused and abbreviated variables with literal values are findings, each once', () => {
    const stack = newStack();
    const f = new lambda.CfnFunction(stack, 'Fn', {
      role: 'arn:aws:iam::111111111111:role/r', code: { zipFile: 'x' },
      environment: { variables: { PGPASSWORD: 'hunter2', MYSQL_PWD: 'hunter2', MQTTPASS: 'hunter2', REDIS_AUTH: 'hunter2', WIFI_PSK: 'hunter2', brokerPwd: 'hunter2', TABLE: 'devices' } },
    });
    expect(check(IoTNoLiteralSecrets, f)).toEqual([
      'LiteralSecret::Environment.Variables.MQTTPASS',
      'LiteralSecret::Environment.Variables.MYSQL_PWD',
      'LiteralSecret::Environment.Variables.PGPASSWORD',
      'LiteralSecret::Environment.Variables.REDIS_AUTH',
      'LiteralSecret::Environment.Variables.WIFI_PSK',
      'LiteralSecret::Environment.Variables.brokerPwd',
    ]);
  });

  test('L1 twin: the same names with references, settings, numbers and booleans are not', () => {
    const stack = newStack();
    const secret = new secretsmanager.Secret(stack, 'Db');
    const f = new lambda.CfnFunction(stack, 'Fn', {
      role: 'arn:aws:iam::111111111111:role/r', code: { zipFile: 'x' },
      environment: {
        variables: {
          PGPASSWORD: secret.secretValueFromJson('password').unsafeUnwrap(), MYSQL_PWD: SecretValue.ssmSecure('/db/pw').unsafeUnwrap(),
          MQTTPASS_SECRET_ARN: secret.secretArn, REDIS_AUTH: 'true', WIFI_PSK: '', brokerPwd: '${BROKER_PWD}', PASSWORD_MIN_LENGTH: '12',
          API_KEY_SECRET: 'prod/iot/api-key', PWD: '/home/app', BYPASS: 'hunter2', PASSENGER_TOKENIZER: 'hunter2', MQTT_PSK: '4096',
        },
      },
    });
    expect(check(IoTNoLiteralSecrets, f)).toEqual(COMPLIANT);
  });

  test('CfnInclude: ECS variables, a LoRaWAN device and a VPN tunnel', () => {
    expect(id10(template({
      Task: {
        Type: 'AWS::ECS::TaskDefinition',
        Properties: {
          ContainerDefinitions: [{
            Name: 'app', Image: 'x',
            Environment: [{ Name: 'AMQP_PASS', Value: 'hunter2' }, { Name: 'KEYSTORE_PASS', Value: 'changeit' }, { Name: 'AMQP_HOST', Value: 'mq' }],
          }],
        },
      },
    }), 'AWS::ECS::TaskDefinition')).toEqual([
      'LiteralSecret::ContainerDefinitions[0].Environment[AMQP_PASS].Value',
      'LiteralSecret::ContainerDefinitions[0].Environment[KEYSTORE_PASS].Value',
    ]);
    expect(id10(template({
      Device: {
        Type: 'AWS::IoTWireless::WirelessDevice',
        Properties: {
          Type: 'LoRaWAN', DestinationName: 'd',
          LoRaWAN: { DeviceProfileId: 'p', ServiceProfileId: 's', OtaaV11: { AppKey: '00112233445566778899aabbccddeeff', NwkKey: 'ffeeddccbbaa99887766554433221100', JoinEui: '0011223344556677' } },
        },
      },
    }), 'AWS::IoTWireless::WirelessDevice')).toEqual(['LiteralSecret::LoRaWAN.OtaaV11.AppKey', 'LiteralSecret::LoRaWAN.OtaaV11.NwkKey']);
    expect(id10(template({
      Vpn: { Type: 'AWS::EC2::VPNConnection', Properties: { Type: 'ipsec.1', CustomerGatewayId: 'c', VpnTunnelOptionsSpecifications: [{ PreSharedKey: 'abcdefgh12345678' }] } },
    }), 'AWS::EC2::VPNConnection')).toEqual(['LiteralSecret::VpnTunnelOptionsSpecifications[0].PreSharedKey']);
  });

  test('CfnInclude: a Fn::Sub or Fn::Join of parameter defaults under a secret\'s name; the twin without defaults', () => {
    const params = { Pw: { Type: 'String', NoEcho: true, Default: 'changeme' }, Free: { Type: 'String', NoEcho: true } };
    expect(id10(template({ Fn: fn({ MQTT_PASS: { 'Fn::Sub': '${Pw}' }, DB_PWD: { 'Fn::Join': ['', ['pre-', { Ref: 'Pw' }]] } }) }, params), 'AWS::Lambda::Function'))
      .toEqual(['LiteralSecret::Environment.Variables.DB_PWD', 'LiteralSecret::Environment.Variables.MQTT_PASS']);
    expect(id10(template({ Fn: fn({ MQTT_PASS: { 'Fn::Sub': '${Free}' }, DB_PWD: { 'Fn::Join': ['', ['pre-', { Ref: 'Free' }]] } }) }, params), 'AWS::Lambda::Function'))
      .toEqual(COMPLIANT);
  });

  test('CfnInclude twin: the device keys and the pre-shared key from parameters without defaults', () => {
    expect(id10(template({
      Device: {
        Type: 'AWS::IoTWireless::WirelessDevice',
        Properties: { Type: 'LoRaWAN', DestinationName: 'd', LoRaWAN: { OtaaV11: { AppKey: { Ref: 'AppKey' }, NwkKey: { Ref: 'NwkKey' }, JoinEui: '0011223344556677' } } },
      },
    }, { AppKey: { Type: 'String', NoEcho: true }, NwkKey: { Type: 'String', NoEcho: true } }), 'AWS::IoTWireless::WirelessDevice')).toEqual(COMPLIANT);
  });
});

describe('ID10 secrets inside strings', () => {
  const SCRIPT = [
    '#!/bin/bash',
    'export DB_PASSWORD=hunter2',
    'mosquitto_passwd -b /etc/mosquitto/passwd gateway Sup3rS3cret',
    "echo 'ubuntu:Passw0rd!' | chpasswd",
    'psql --password=hunter2 -h db',
    'curl -H "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9abc" -H "x-api-key: k-1234567890" https://api.example.com',
    'aws configure set aws_secret_access_key wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY',
  ].join('\n');
  const SAFE_SCRIPT = [
    '#!/bin/bash',
    'export DB_PASSWORD=$(aws secretsmanager get-secret-value --secret-id db --query SecretString --output text)',
    'mosquitto_passwd -b /etc/mosquitto/passwd gateway "$MQTT_PASS"',
    'echo "ubuntu:${UBUNTU_PASSWORD}" | chpasswd',
    'psql --password="$PGPASS" -h db',
    'curl -H "Authorization: Bearer $TOKEN" https://api.example.com',
    'docker login --password-stdin -u deploy registry.example.com < /run/token',
    'export MQTT_PASS_FILE=/run/secrets/mqtt',
  ].join('\n');
  const SCRIPT_FINDINGS = [
    'LiteralSecret::LaunchTemplateData.UserData[Bearer]',
    'LiteralSecret::LaunchTemplateData.UserData[DB_PASSWORD]',
    'LiteralSecret::LaunchTemplateData.UserData[aws_secret_access_key]',
    'LiteralSecret::LaunchTemplateData.UserData[chpasswd]',
    'LiteralSecret::LaunchTemplateData.UserData[mosquitto_passwd]',
    'LiteralSecret::LaunchTemplateData.UserData[password]',
    'LiteralSecret::LaunchTemplateData.UserData[x-api-key]',
  ];

  test('L2: a launch template whose user data sets secrets in a shell script, one finding per name', () => {
    const stack = newStack();
    const userData = ec2.UserData.forLinux();
    userData.addCommands(...SCRIPT.split('\n').slice(1));
    const lt = new ec2.LaunchTemplate(stack, 'Lt', { userData });
    const result = check(IoTNoLiteralSecrets, lt.node.defaultChild as CfnResource);
    expect(result).toEqual(SCRIPT_FINDINGS);
    expect(JSON.stringify(result)).not.toMatch(/hunter2|Sup3r|Passw0rd|eyJ|wJalr/);
  });

  test('L2 twin: the same script reading every secret at boot has no finding', () => {
    const stack = newStack();
    const userData = ec2.UserData.forLinux();
    userData.addCommands(...SAFE_SCRIPT.split('\n').slice(1));
    const lt = new ec2.LaunchTemplate(stack, 'Lt', { userData });
    expect(check(IoTNoLiteralSecrets, lt.node.defaultChild as CfnResource)).toEqual(COMPLIANT);
  });

  test('CfnInclude: Fn::Base64 of Fn::Sub with a parameter default, of Fn::Join split mid-assignment, and literal base64', () => {
    const params = { DbPassword: { Type: 'String', NoEcho: true, Default: 'changeme' }, Host: { Type: 'String' } };
    expect(id10(template({ Gw: instance({ 'Fn::Base64': { 'Fn::Sub': '#!/bin/bash\nexport DB_HOST=${Host}\nexport DB_PASSWORD=${DbPassword}\n' } }) }, params), 'AWS::EC2::Instance'))
      .toEqual(['LiteralSecret::UserData[DB_PASSWORD]']);
    expect(id10(template({ Gw: instance({ 'Fn::Base64': { 'Fn::Join': ['', ['#!/bin/bash\nexport MQTT_PASSWD=', 'hunt', 'er2', '\nexport HOST=', { Ref: 'Host' }]] } }) }, params), 'AWS::EC2::Instance'))
      .toEqual(['LiteralSecret::UserData[MQTT_PASSWD]']);
    expect(id10(template({ Gw: instance(Buffer.from('#!/bin/bash\nexport REDIS_AUTH=hunter2\n').toString('base64')) }), 'AWS::EC2::Instance'))
      .toEqual(['LiteralSecret::UserData[REDIS_AUTH]']);
  });

  test('CfnInclude twin: parameters without default, resource attributes and variables of the script are not literals', () => {
    const params = { DbPassword: { Type: 'String', NoEcho: true }, Stored: { Type: 'AWS::SSM::Parameter::Value<String>', Default: '/iot/mqtt/password' } };
    expect(id10(template({
      Gw: instance({ 'Fn::Base64': { 'Fn::Sub': '#!/bin/bash\nexport DB_PASSWORD=${DbPassword}\nexport MQTT_PASSWD=${Stored}\nexport API_TOKEN=${Issuer.Token}\nexport SHELL_PASS=$${!HOME}\n' } }),
      Issuer: { Type: 'Custom::Issuer', Properties: { ServiceToken: 'arn:aws:lambda:eu-west-1:111111111111:function:issuer' } },
    }, params), 'AWS::EC2::Instance')).toEqual(COMPLIANT);
    expect(id10(template({ Gw: instance(Buffer.from('#!/bin/bash\nexport REDIS_AUTH=$(cat /run/redis)\n').toString('base64')) }), 'AWS::EC2::Instance')).toEqual(COMPLIANT);
  });

  test('JSON documents carried as strings: a job template, a Greengrass recipe, a Greengrass deployment merge, built with Fn::Join', () => {
    expect(id10(template({
      Job: {
        Type: 'AWS::IoT::JobTemplate',
        Properties: { JobTemplateId: 'rotate', Description: 'Rotates the password: hunter2 is not used', Document: JSON.stringify({ operation: 'configure', wifi: { ssid: 'plant', psk: 'hunter2hunter2' } }) },
      },
    }), 'AWS::IoT::JobTemplate')).toEqual(['LiteralSecret::Document.wifi.psk']);
    expect(id10(template({
      Component: {
        Type: 'AWS::GreengrassV2::ComponentVersion',
        Properties: {
          InlineRecipe: JSON.stringify({
            RecipeFormatVersion: '2020-01-25', ComponentName: 'com.example.Bridge', ComponentVersion: '1.0.0',
            ComponentConfiguration: { DefaultConfiguration: { brokerPwd: 'hunter2', port: 8883, tls: true } },
            Manifests: [{ Lifecycle: { Run: 'MQTT_PASSWORD=hunter2 python3 -u {artifacts:path}/bridge.py' } }],
          }),
        },
      },
    }), 'AWS::GreengrassV2::ComponentVersion')).toEqual([
      'LiteralSecret::InlineRecipe.ComponentConfiguration.DefaultConfiguration.brokerPwd',
      'LiteralSecret::InlineRecipe.Manifests[0].Lifecycle.Run[MQTT_PASSWORD]',
    ]);
    const stack = newStack();
    const deployment = new CfnResource(stack, 'Deploy', {
      type: 'AWS::GreengrassV2::Deployment',
      properties: {
        TargetArn: 'arn:aws:iot:eu-west-1:111111111111:thing/gw',
        Components: { 'com.example.Bridge': { ComponentVersion: '1.0.0', ConfigurationUpdate: { Merge: Stack.of(stack).toJsonString({ brokerHost: Fn.importValue('Broker'), apiKey: 'k-1234567890' }) } } },
      },
    });
    expect(check(IoTNoLiteralSecrets, deployment)).toEqual(['LiteralSecret::Components.com.example.Bridge.ConfigurationUpdate.Merge.apiKey']);
  });

  test('JSON documents twin: job parameters, Greengrass interpolation, numbers and booleans are not secrets', () => {
    expect(id10(template({
      Job: {
        Type: 'AWS::IoT::JobTemplate',
        Properties: {
          JobTemplateId: 'rotate', Description: 'Rotates the Wi-Fi pre-shared key',
          Document: JSON.stringify({ wifi: { psk: '${aws:iot:parameter:psk}', pskLength: 63 }, apiKeySecretArn: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:k', token: true, password: 12345 }),
          DocumentParameters: [{ Key: 'psk', Description: 'the pre-shared key', Regex: '.*', Example: 'x', Optional: false }],
        },
      },
    }), 'AWS::IoT::JobTemplate')).toEqual(COMPLIANT);
    expect(id10(template({
      Component: {
        Type: 'AWS::GreengrassV2::ComponentVersion',
        Properties: { InlineRecipe: JSON.stringify({ ComponentConfiguration: { DefaultConfiguration: { brokerPwdSecretArn: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:b' } }, Manifests: [{ Lifecycle: { Run: 'MQTT_PASSWORD={configuration:/password} python3 bridge.py' } }] }) },
      },
    }), 'AWS::GreengrassV2::ComponentVersion')).toEqual(COMPLIANT);
  });

  test('connection strings: ADO/ODBC, JDBC query, URLs with user and password (mongodb, amqps, redis without user)', () => {
    const stack = newStack();
    const f = new lambda.CfnFunction(stack, 'Fn', {
      role: 'arn:aws:iam::111111111111:role/r', code: { zipFile: 'x' },
      environment: {
        variables: {
          SQL: 'Server=db;Database=iot;User Id=sa;Password=Hunter2!;', ODBC: 'Driver={PostgreSQL};Uid=iot;Pwd=Hunter2!;',
          JDBC: 'jdbc:postgresql://db:5432/iot?user=iot&password=hunter2', MONGO: 'mongodb+srv://iot:p4ssw0rd@cluster.example.com/iot',
          AMQP: 'amqps://gateway:p4ssw0rd@mq.example.com:5671', REDIS: 'redis://:p4ssw0rd@cache.example.com:6379',
        },
      },
    });
    expect(check(IoTNoLiteralSecrets, f)).toEqual([
      'LiteralSecret::Environment.Variables.JDBC[password]',
      'LiteralSecret::Environment.Variables.ODBC[Pwd]',
      'LiteralSecret::Environment.Variables.SQL[Password]',
      'UrlCredentials::Environment.Variables.AMQP',
      'UrlCredentials::Environment.Variables.MONGO',
      'UrlCredentials::Environment.Variables.REDIS',
    ]);
  });

  test('connection strings twin: credentials from dynamic references, parameters and the environment', () => {
    const stack = newStack();
    const pw = new CfnParameter(stack, 'Pw', { noEcho: true });
    const f = new lambda.CfnFunction(stack, 'Fn', {
      role: 'arn:aws:iam::111111111111:role/r', code: { zipFile: 'x' },
      environment: {
        variables: {
          SQL: Fn.join('', ['Server=db;User Id=sa;Password=', pw.valueAsString, ';']),
          JDBC: 'jdbc:postgresql://db:5432/iot?user=iot&password={{resolve:secretsmanager:db:SecretString:password}}',
          AMQP: Fn.sub('amqps://gateway:${Pw}@mq.example.com:5671'), MONGO: 'mongodb://iot:$MONGO_PASSWORD@db', PLAIN: 'https://mq.example.com/status?retries=3',
        },
      },
    });
    expect(check(IoTNoLiteralSecrets, f)).toEqual(COMPLIANT);
  });

  test('private keys by their DER structure: base64 and hex PKCS#1, PKCS#8, encrypted PKCS#8, SEC1; PEM with escaped newlines; base64 of a PEM', () => {
    const pem = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const stack = newStack();
    const r = new CfnResource(stack, 'Seed', {
      type: 'Custom::DeviceSeed',
      properties: {
        ServiceToken: 'arn:aws:lambda:eu-west-1:111111111111:function:seed',
        Pkcs1: der(rsa.privateKey, { type: 'pkcs1' }).toString('base64'),
        Pkcs8: der(ec.privateKey, { type: 'pkcs8' }).toString('base64'),
        Encrypted: der(rsa.privateKey, { type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'x' }).toString('base64'),
        Sec1Hex: der(ec.privateKey, { type: 'sec1' }).toString('hex'),
        Escaped: JSON.stringify(pem).slice(1, -1),
        Body: pem.split('\n').slice(1, -2).join('\\n'),
        Wrapped: Buffer.from(pem).toString('base64'),
        InScript: `#!/bin/sh\necho "${der(ec.privateKey, { type: 'sec1' }).toString('base64')}" | base64 -d > /greengrass/device.der`,
      },
    });
    expect(check(IoTNoLiteralSecrets, r)).toEqual(
      ['Body', 'Encrypted', 'Escaped', 'InScript', 'Pkcs1', 'Pkcs8', 'Sec1Hex', 'Wrapped'].map((p) => `PrivateKey::${p}`),
    );
  });

  test('private keys twin: public keys (SPKI, PKCS#1), certificates and an authorizer\'s token-signing public keys are not secrets', () => {
    for (const key of [rsa.publicKey, ec.publicKey]) {
      expect(isDerPrivateKey(der(key, { type: 'spki' }))).toBe(false);
    }
    expect(isDerPrivateKey(der(rsa.publicKey, { type: 'pkcs1' }))).toBe(false);
    expect(isDerPrivateKey(der(rsa.privateKey, { type: 'pkcs1' }))).toBe(true);
    expect(id10(template({
      Auth: {
        Type: 'AWS::IoT::Authorizer',
        Properties: {
          AuthorizerFunctionArn: 'arn:aws:lambda:eu-west-1:111111111111:function:auth', TokenKeyName: 'x-device-token',
          TokenSigningPublicKeys: { key1: rsa.publicKey.export({ type: 'spki', format: 'pem' }), key2: der(ec.publicKey, { type: 'spki' }).toString('base64') },
        },
      },
    }), 'AWS::IoT::Authorizer')).toEqual(COMPLIANT);
    const stack = newStack();
    const r = new CfnResource(stack, 'Seed', {
      type: 'Custom::DeviceSeed',
      properties: {
        PublicKey: der(rsa.publicKey, { type: 'spki' }).toString('base64'), PublicHex: der(ec.publicKey, { type: 'spki' }).toString('hex'),
        Cert: `-----BEGIN CERTIFICATE-----\n${der(rsa.publicKey, { type: 'spki' }).toString('base64')}\n-----END CERTIFICATE-----`,
        Hash: crypto.createHash('sha256').update('x').digest('hex'), Blob: Buffer.from(crypto.randomBytes(64)).toString('base64'),
      },
    });
    expect(check(IoTNoLiteralSecrets, r)).toEqual(COMPLIANT);
  });

  test('SSM parameters whose name is built with Fn::Sub or Fn::Join', () => {
    const stack = newStack();
    includeTemplate(stack, template({
      Sub: { Type: 'AWS::SSM::Parameter', Properties: { Type: 'String', Name: { 'Fn::Sub': '/app/${Env}/db/password' }, Value: 'hunter2' } },
      Join: { Type: 'AWS::SSM::Parameter', Properties: { Type: 'StringList', Name: { 'Fn::Join': ['/', ['', 'app', { Ref: 'Env' }, 'mqtt', 'psk']] }, Value: 'a1b2c3d4,e5f6' } },
      Host: { Type: 'AWS::SSM::Parameter', Properties: { Type: 'String', Name: { 'Fn::Sub': '/app/${Env}/db/host' }, Value: 'db.example.com' } },
      Ref: { Type: 'AWS::SSM::Parameter', Properties: { Type: 'String', Name: { 'Fn::Sub': '/app/${Env}/db/password' }, Value: { Ref: 'Pw' } } },
      Arn: { Type: 'AWS::SSM::Parameter', Properties: { Type: 'String', Name: { 'Fn::Sub': '/app/${Env}/db/password-secret-arn' }, Value: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:db' } },
    }, { Env: { Type: 'String' }, Pw: { Type: 'String', NoEcho: true } }));
    const byId = Object.fromEntries(cfnResources(stack).map((r) => [r.node.id, check(IoTNoLiteralSecrets, r)]));
    expect(byId).toEqual({ Sub: ['LiteralSecret::Value'], Join: ['LiteralSecret::Value'], Host: COMPLIANT, Ref: COMPLIANT, Arn: COMPLIANT });
  });

  test('L2: an SSM StringParameter named with a token', () => {
    const stack = newStack();
    const env = new CfnParameter(stack, 'Env');
    const p = new ssm.StringParameter(stack, 'P', { parameterName: `/app/${env.valueAsString}/broker/passwd`, simpleName: false, stringValue: 'hunter2' });
    const q = new ssm.StringParameter(stack, 'Q', { parameterName: `/app/${env.valueAsString}/broker/endpoint`, simpleName: false, stringValue: 'hunter2' });
    expect(check(IoTNoLiteralSecrets, p.node.defaultChild as CfnResource)).toEqual(['LiteralSecret::Value']);
    expect(check(IoTNoLiteralSecrets, q.node.defaultChild as CfnResource)).toEqual(COMPLIANT);
  });

  test('not secrets: Secrets Manager names and ARNs, SSM names, request tokens, prose, CDK custom resource properties', () => {
    const stack = newStack();
    const secret = new secretsmanager.Secret(stack, 'S', { secretName: 'prod/iot/broker-password' });
    const f = new lambda.CfnFunction(stack, 'Fn', {
      role: 'arn:aws:iam::111111111111:role/r', code: { zipFile: 'x' },
      environment: {
        variables: {
          BROKER_PASSWORD_SECRET: 'prod/iot/broker-password', DB_PASSWORD_SECRET_NAME: secret.secretName, DB_PASSWORD_SECRET_ARN: secret.secretArn,
          MQTT_PASSWORD_PARAMETER: '/iot/mqtt/password', CONFIG: JSON.stringify({ passwordSecretArn: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:x', tokenTtlSeconds: 300 }),
        },
      },
      description: 'Reads the password: from Secrets Manager',
    });
    expect(check(IoTNoLiteralSecrets, f)).toEqual(COMPLIANT);
    const call = new cr.AwsCustomResource(stack, 'Read', {
      onUpdate: { service: 'SecretsManager', action: 'describeSecret', parameters: { SecretId: secret.secretArn, ClientRequestToken: 'rotation-1' }, physicalResourceId: cr.PhysicalResourceId.of('x') },
      policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: [secret.secretArn] }),
    });
    expect(check(IoTNoLiteralSecrets, customResource(call))).toEqual(COMPLIANT);
  });

  test('not secrets: an S3 key, a state machine\'s task token path and JSONata expression', () => {
    const stack = newStack();
    const f = new lambda.CfnFunction(stack, 'Fn', { role: 'arn:aws:iam::111111111111:role/r', code: { s3Bucket: 'assets', s3Key: 'a'.repeat(64) + '.zip' } });
    expect(check(IoTNoLiteralSecrets, f)).toEqual(COMPLIANT);
    const sm = new CfnResource(stack, 'Sm', {
      type: 'AWS::StepFunctions::StateMachine',
      properties: {
        RoleArn: 'arn:aws:iam::111111111111:role/sfn',
        DefinitionString: Fn.join('', ['{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken","Parameters":{"FunctionName":"',
          Fn.importValue('Fn'), '","Payload":{"taskToken.$":"$$.Task.Token"}},"Next":"B"},"B":{"Type":"Task","QueryLanguage":"JSONata","Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken",',
          '"Arguments":{"Payload":{"taskToken":"{% $states.context.Task.Token %}"}},"End":true}}}']),
      },
    });
    expect(check(IoTNoLiteralSecrets, sm)).toEqual(COMPLIANT);
  });

  test('a secret put by an AwsCustomResource call is a literal in its JSON document', () => {
    const stack = newStack();
    const call = new cr.AwsCustomResource(stack, 'Put', {
      onCreate: { service: 'SSM', action: 'putParameter', parameters: { Name: '/iot/gw/mqtt_password', Value: 'hunter2', Type: 'String' }, physicalResourceId: cr.PhysicalResourceId.of('x') },
      policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: cr.AwsCustomResourcePolicy.ANY_RESOURCE }),
    });
    expect(check(IoTNoLiteralSecrets, customResource(call))).toEqual(['LiteralSecret::Create.parameters.Value']);
  });
});

describe('ID11 secrets that flow', () => {
  function keysAndCertificate(stack: Stack): cr.AwsCustomResource {
    return new cr.AwsCustomResource(stack, 'Keys', {
      onCreate: { service: 'Iot', action: 'createKeysAndCertificate', parameters: { setAsActive: true }, physicalResourceId: cr.PhysicalResourceId.fromResponse('certificateId') },
      policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: cr.AwsCustomResourcePolicy.ANY_RESOURCE }),
    });
  }
  const logicalId = (c: CfnResource) => Stack.of(c).resolve(c.logicalId);

  test('L2: an AwsCustomResource\'s private key written into user data, a Lambda environment, an output, an SSM parameter and a tag', () => {
    const stack = newStack();
    const keys = keysAndCertificate(stack);
    const privateKey = keys.getResponseField('keyPair.PrivateKey');
    const userData = ec2.UserData.forLinux();
    userData.addCommands(`echo '${privateKey}' > /greengrass/device.key`);
    const lt = new ec2.LaunchTemplate(stack, 'Lt', { userData });
    const f = new lambda.Function(stack, 'Fn', {
      runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('x'), environment: { DEVICE_KEY: privateKey },
    });
    const p = new ssm.StringParameter(stack, 'P', { stringValue: privateKey });
    const tagged = new CfnResource(stack, 'Tagged', { type: 'AWS::SNS::Topic', properties: { Tags: [{ Key: 'k', Value: privateKey }] } });
    new CfnOutput(stack, 'DeviceKey', { value: privateKey });
    const [ltId, fnId, pId, tagId] = [lt.node.defaultChild, f.node.defaultChild, p.node.defaultChild, tagged].map((c) => logicalId(c as CfnResource));
    expect(flows(stack)).toEqual({
      [logicalId(customResource(keys))]: [
        'Flow::keyPair.PrivateKey->UserData:' + ltId,
        'Flow::keyPair.PrivateKey->LambdaEnvironment:' + fnId,
        'Flow::keyPair.PrivateKey->SsmParameter:' + pId,
        'Flow::keyPair.PrivateKey->Tag:' + tagId,
        'Flow::keyPair.PrivateKey->Output:DeviceKey',
      ].sort(),
    });
  });

  test('L2 twin: the certificate\'s ARN and PEM flow anywhere, the private key only into Secrets Manager', () => {
    const stack = newStack();
    const keys = keysAndCertificate(stack);
    const userData = ec2.UserData.forLinux();
    userData.addCommands(`echo '${keys.getResponseField('certificatePem')}' > /greengrass/device.pem`, `echo ${keys.getResponseField('certificateArn')}`);
    new ec2.LaunchTemplate(stack, 'Lt', { userData });
    new secretsmanager.Secret(stack, 'Key', { secretStringValue: SecretValue.resourceAttribute(keys.getResponseField('keyPair.PrivateKey')) });
    new ssm.StringParameter(stack, 'Pub', { stringValue: keys.getResponseField('keyPair.PublicKey') });
    new CfnOutput(stack, 'Cert', { value: keys.getResponseField('certificateArn') });
    expect(flows(stack)).toEqual({});
  });

  test('CfnInclude: GetAtt in string and list form, ${X.PrivateKey} in Fn::Sub, an access key\'s SecretAccessKey, through an SSM parameter', () => {
    const stack = newStack();
    includeTemplate(stack, template({
      Keys: { Type: 'Custom::DeviceKeys', Properties: { ServiceToken: 'arn:aws:lambda:eu-west-1:111111111111:function:keys' } },
      User: { Type: 'AWS::IAM::User', Properties: {} },
      AccessKey: { Type: 'AWS::IAM::AccessKey', Properties: { UserName: { Ref: 'User' } } },
      Gw: instance({ 'Fn::Base64': { 'Fn::Sub': "#!/bin/bash\necho '${Keys.PrivateKey}' > /k\n" } }),
      Fn: fn({ AWS_SECRET_ACCESS_KEY: { 'Fn::GetAtt': ['AccessKey', 'SecretAccessKey'] }, AWS_ACCESS_KEY_ID: { Ref: 'AccessKey' } }),
      Stored: { Type: 'AWS::SSM::Parameter', Properties: { Type: 'String', Name: '/gw/key', Value: { 'Fn::GetAtt': 'Keys.PrivateKey' } } },
      Reader: fn({ KEY: { 'Fn::GetAtt': ['Stored', 'Value'] } }),
      Resolver: { Type: 'AWS::EC2::LaunchTemplate', Properties: { LaunchTemplateData: { UserData: { 'Fn::Base64': '{{resolve:ssm:/gw/key}}' } } } },
      Other: { Type: 'AWS::IoT::Thing', Properties: { AttributePayload: { Attributes: { key: { 'Fn::Join': ['', ['k=', { 'Fn::GetAtt': ['Keys', 'PrivateKey'] }]] } } } } },
    }, {}, { Secret: { Value: { 'Fn::GetAtt': ['AccessKey', 'SecretAccessKey'] } }, Id: { Value: { Ref: 'AccessKey' } } }));
    expect(flows(stack)).toEqual({
      AccessKey: ['Flow::SecretAccessKey->LambdaEnvironment:Fn', 'Flow::SecretAccessKey->Output:Secret'],
      Keys: [
        'Flow::PrivateKey->Property:Other.AttributePayload',
        'Flow::PrivateKey->SsmParameter:Stored',
        'Flow::PrivateKey->SsmParameter:Stored->LambdaEnvironment:Reader',
        'Flow::PrivateKey->SsmParameter:Stored->UserData:Resolver',
        'Flow::PrivateKey->UserData:Gw',
      ],
    });
  });

  test('CfnInclude twin: the access key ID, a public key and a non-secret attribute flow anywhere', () => {
    const stack = newStack();
    includeTemplate(stack, template({
      Keys: { Type: 'Custom::DeviceKeys', Properties: { ServiceToken: 'arn:aws:lambda:eu-west-1:111111111111:function:keys' } },
      AccessKey: { Type: 'AWS::IAM::AccessKey', Properties: { UserName: 'u' } },
      Gw: instance({ 'Fn::Base64': { 'Fn::Sub': "#!/bin/bash\necho '${Keys.PublicKey}' '${Keys.CertificateId}' '${AccessKey}' > /k\n" } }),
      Stored: { Type: 'AWS::SSM::Parameter', Properties: { Type: 'String', Value: { 'Fn::GetAtt': ['Keys', 'CertificateArn'] } } },
      Fn: fn({ KEY: { 'Fn::GetAtt': ['Stored', 'Value'] }, KEY_SECRET_ARN: { 'Fn::GetAtt': ['Keys', 'PrivateKeySecretArn'] } }),
    }, {}, { Id: { Value: { Ref: 'AccessKey' } } }));
    expect(flows(stack)).toEqual({});
  });

  test('a Secrets Manager or ssm-secure reference resolved into user data or a Lambda environment is reported on that resource; RDS takes it as it should', () => {
    const stack = newStack();
    includeTemplate(stack, template({
      Gw: instance({ 'Fn::Base64': { 'Fn::Join': ['', ['#!/bin/bash\nexport P=', '{{resolve:secretsmanager:', { Ref: 'AWS::StackName' }, '-db:SecretString:password}}']] } }),
      Fn: fn({ TOKEN: '{{resolve:ssm-secure:/iot/token}}', HOST: '{{resolve:ssm:/iot/host}}' }),
      Db: { Type: 'AWS::RDS::DBInstance', Properties: { Engine: 'postgres', DBInstanceClass: 'db.t3.micro', MasterUsername: 'iot', MasterUserPassword: '{{resolve:secretsmanager:db:SecretString:password}}' } },
    }));
    expect(flows(stack)).toEqual({ Gw: ['Flow::SecretsManager->UserData'], Fn: ['Flow::SsmSecure->LambdaEnvironment'] });
  });

  test('an intermediate custom resource: the secret passed on is a flow, and a secret it returns is a source of its own', () => {
    const stack = newStack();
    includeTemplate(stack, template({
      Keys: { Type: 'Custom::DeviceKeys', Properties: { ServiceToken: 'arn:aws:lambda:eu-west-1:111111111111:function:keys' } },
      Wrap: { Type: 'Custom::Wrap', Properties: { ServiceToken: 'arn:aws:lambda:eu-west-1:111111111111:function:wrap', Key: { 'Fn::GetAtt': ['Keys', 'PrivateKey'] } } },
      Fn: fn({ KEY: { 'Fn::GetAtt': ['Wrap', 'WrappedPrivateKey'] } }),
    }));
    expect(flows(stack)).toEqual({ Keys: ['Flow::PrivateKey->Property:Wrap.Key'], Wrap: ['Flow::WrappedPrivateKey->LambdaEnvironment:Fn'] });
  });

  test('through an AwsCustomResource call: ssm:PutParameter parks the key in a String parameter that user data reads back', () => {
    const stack = newStack();
    const keys = keysAndCertificate(stack);
    const put = (id: string, service: string, action: string, parameters: object) => new cr.AwsCustomResource(stack, id, {
      onCreate: { service, action, parameters, physicalResourceId: cr.PhysicalResourceId.of(id) },
      policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: cr.AwsCustomResourcePolicy.ANY_RESOURCE }),
    });
    put('Park', 'SSM', 'putParameter', { Name: '/iot/gw/key', Type: 'String', Value: keys.getResponseField('keyPair.PrivateKey') });
    const userData = ec2.UserData.forLinux();
    userData.addCommands('echo "{{resolve:ssm:/iot/gw/key}}" > /greengrass/device.key');
    const lt = new ec2.LaunchTemplate(stack, 'Lt', { userData });
    expect(flows(stack)).toEqual({
      [logicalId(customResource(keys))]: [
        'Flow::keyPair.PrivateKey->SsmParameter:/iot/gw/key',
        `Flow::keyPair.PrivateKey->SsmParameter:/iot/gw/key->UserData:${logicalId(lt.node.defaultChild as CfnResource)}`,
      ],
    });
  });

  test('through an AwsCustomResource call twin: a SecureString parameter, or a secret in Secrets Manager', () => {
    const stack = newStack();
    const keys = keysAndCertificate(stack);
    const put = (id: string, service: string, action: string, parameters: object) => new cr.AwsCustomResource(stack, id, {
      onCreate: { service, action, parameters, physicalResourceId: cr.PhysicalResourceId.of(id) },
      policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: cr.AwsCustomResourcePolicy.ANY_RESOURCE }),
    });
    put('Secure', 'SSM', 'putParameter', { Name: '/iot/gw/key', Type: 'SecureString', Value: keys.getResponseField('keyPair.PrivateKey') });
    put('Store', '@aws-sdk/client-secrets-manager', 'CreateSecretCommand', { Name: 'gw/key', SecretString: keys.getResponseField('keyPair.PrivateKey') });
    expect(flows(stack)).toEqual({});
  });

  test('metadata and standalone use outside a pack pass', () => {
    const stack = newStack();
    const keys = new CfnResource(stack, 'Keys', { type: 'Custom::DeviceKeys', properties: { ServiceToken: 'arn:aws:lambda:eu-west-1:111111111111:function:keys' } });
    const gw = new CfnResource(stack, 'Gw', { type: 'AWS::EC2::Instance', properties: { ImageId: 'ami-12345678' } });
    gw.cfnOptions.metadata = { 'AWS::CloudFormation::Init': { config: { files: { '/k': { content: keys.getAtt('PrivateKey') } } } } };
    expect(IoTNoSecretFlows(keys)).toEqual(['Flow::PrivateKey->Metadata:Gw']);
    expect(IoTNoSecretFlows(gw)).toEqual(COMPLIANT);
  });

  test('metadata', () => {
    expect(IoTNoSecretFlows.metadata.id).toBe('ID11');
    expect(IoTNoSecretFlows.metadata.resourceTypes).toEqual(['*']);
    expect(IoTNoSecretFlows.metadata.attackEnterprise.every((t) => /^T1\d{3}(\.\d{3})?$/.test(t))).toBe(true);
    expect(IoTNoSecretFlows.name).toBe('ID11');
  });
});

describe('ID10 reviewer classes: no part of a secret in a finding, code, settings and secret names', () => {
  const SECRET_PARTS = /s3cr3tTokenAbc|Zq9Secret|AbcPass|Zz9|Xy|hunter2|dXNlcj|Hunter2x|Pa55word/;

  test('a stem inside an assigned value starts no new name: one finding per assignment, named by its name (text, connection string, JSON, pairs)', () => {
    const script = [
      '#!/bin/bash',
      'PASSWORD="s3cr3tTokenAbc=1x"',
      'conn="Server=db;Password=Zq9Secret=Xy;"',
      'export API_TOKEN=AbcPass=Zz9Secret=Q1',
    ].join('\n');
    const t1 = id10(template({ Gw: instance({ 'Fn::Base64': script }) }), 'AWS::EC2::Instance');
    expect(t1).toEqual(['LiteralSecret::UserData[API_TOKEN]', 'LiteralSecret::UserData[PASSWORD]', 'LiteralSecret::UserData[Password]']);
    expect(JSON.stringify(t1)).not.toMatch(SECRET_PARTS);

    // A JSON document carried as a string, and a name/value pair whose value has a stem in it.
    const t2 = id10(template({ F: fn({ CONFIG: '{"password":"AbcPass=Zz9"}' }) }), 'AWS::Lambda::Function');
    expect(t2).toEqual(['LiteralSecret::Environment.Variables.CONFIG.password']);
    const stack = newStack();
    const ssmPair = new CfnResource(stack, 'Task', {
      type: 'AWS::ECS::TaskDefinition',
      properties: { ContainerDefinitions: [{ Name: 'c', Image: 'i', Environment: [{ Name: 'DB_PASSWORD', Value: 'AbcPass=Zz9Token=Xy' }] }] },
    });
    const t3 = check(IoTNoLiteralSecrets, ssmPair);
    expect(t3).toEqual(['LiteralSecret::ContainerDefinitions[0].Environment[DB_PASSWORD].Value']);
    expect(JSON.stringify(t3)).not.toMatch(SECRET_PARTS);
  });

  test('program code is no literal: inline Lambda code (L2 Code.fromInline, plain template ZipFile) and Python/JS/PowerShell/CLI in user data', () => {
    const python = [
      'import os, json',
      'from cryptography.fernet import Fernet',
      'def handler(event, context):',
      "    password = os.environ['DB_PASSWORD']",
      "    token = event['token']",
      '    token = json.loads(resp)["token"]',
      '    password = input("Password: ")',
      '    token=get_token()',
      '    secret_key = Fernet.generate_key()',
      '    return password',
    ].join('\n');
    const js = 'const apiKey = process.env.API_KEY;\nexports.handler = async () => apiKey;\n';
    const stack = newStack();
    new lambda.Function(stack, 'Py', { runtime: lambda.Runtime.PYTHON_3_12, handler: 'index.handler', code: lambda.Code.fromInline(python) });
    new lambda.Function(stack, 'Js', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline(js) });
    for (const r of cfnResources(stack).filter((c) => c.cfnResourceType === 'AWS::Lambda::Function')) expect(check(IoTNoLiteralSecrets, r)).toEqual(COMPLIANT);

    const ps = [
      '<powershell>',
      '$secret = Get-SECSecretValue -SecretId app/db | ConvertFrom-Json',
      '$password = ConvertTo-SecureString -String $secret.password -AsPlainText -Force',
      '$token = Invoke-RestMethod -Uri http://169.254.169.254/latest/api/token -Method PUT',
      '</powershell>',
    ].join('\n');
    const cli = '#!/bin/bash\naws secretsmanager create-secret --name app/db --secret-string file://creds.json\naws secretsmanager put-secret-value --secret-id app/db --secret-binary fileb://key.bin\n';
    expect(id10(template({ Gw: instance({ 'Fn::Base64': ps }) }), 'AWS::EC2::Instance')).toEqual(COMPLIANT);
    expect(id10(template({ Gw: instance({ 'Fn::Base64': cli }) }), 'AWS::EC2::Instance')).toEqual(COMPLIANT);
    const zip = { Type: 'AWS::Lambda::Function', Properties: { Role: 'arn:aws:iam::111111111111:role/r', Handler: 'index.handler', Runtime: 'python3.12', Code: { ZipFile: python } } };
    expect(id10(template({ F: zip }), 'AWS::Lambda::Function')).toEqual(COMPLIANT);

    // Twins: a quoted string literal, or a bare token-like word, is a literal in the same code.
    const literal = [
      'def handler(event, context):',
      '    password = "Pa55word!"',
      '    api_key = abc123XYZ789',
      '$token = "Pa55word-token"',
      'export DB_PASSWORD=hunter2 ./run.sh',
    ].join('\n');
    const found = id10(template({ F: { ...zip, Properties: { ...zip.Properties, Code: { ZipFile: literal } } } }), 'AWS::Lambda::Function');
    expect(found).toEqual(['LiteralSecret::Code.ZipFile[DB_PASSWORD]', 'LiteralSecret::Code.ZipFile[api_key]', 'LiteralSecret::Code.ZipFile[password]', 'LiteralSecret::Code.ZipFile[token]']);
    expect(JSON.stringify(found)).not.toMatch(SECRET_PARTS);
  });

  test('setting words under a secret\'s name are no secrets; the weak stem auth needs a credential-looking value', () => {
    const settings = {
      PASSWORD_HASH_ALGO: 'argon2id', TOKEN_SIGNING_ALG: 'RS256', PASSWORD_ENCODING: 'utf8', TOKEN_USE: 'access', TOKEN_CACHE_DIR: 'tmp',
      TOKEN_KEY: 'token', TOKEN_EXCHANGE_ROLE_ALIAS: 'GGAlias', TOKEN_EXCHANGE_SERVICE: 'aws.greengrass.TokenExchangeService',
      BROKER_AUTH: 'certificate', CUSTOM_AUTH: 'MyAuthorizer', SECRET_ROTATION_LAMBDA: 'fn', PASSWORD_GENERATOR: 'x',
      TOKEN_SECRET_ARN_SUFFIX: 'x', TOKEN_EXPIRES_IN: '1h',
    };
    expect(id10(template({ F: fn(settings) }), 'AWS::Lambda::Function')).toEqual(COMPLIANT);
    const stack = newStack();
    const f = new lambda.Function(stack, 'F', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'i.h', code: lambda.Code.fromInline('x'), environment: settings });
    expect(check(IoTNoLiteralSecrets, f.node.defaultChild as CfnResource)).toEqual(COMPLIANT);
    const ud = Object.entries(settings).map(([k, v]) => `export ${k}=${v}`).join('\n');
    expect(id10(template({ Gw: instance({ 'Fn::Base64': `#!/bin/bash\n${ud}\n` }) }), 'AWS::EC2::Instance')).toEqual(COMPLIANT);
    // Twins: the same stems with a credential.
    expect(id10(template({ F: fn({ REDIS_AUTH: 'hunter2', BROKER_AUTH: 'Zq9-x!', DB_PASSWORD: 'password1', TOKEN_KEY: 'Pa55word' }) }), 'AWS::Lambda::Function'))
      .toEqual(['LiteralSecret::Environment.Variables.BROKER_AUTH', 'LiteralSecret::Environment.Variables.DB_PASSWORD', 'LiteralSecret::Environment.Variables.REDIS_AUTH', 'LiteralSecret::Environment.Variables.TOKEN_KEY']);
  });

  test('names of secrets without a slash are no secrets; a password with mixed case, digits or symbols is, and so is any literal under a password\'s name', () => {
    const names = {
      DB_SECRET: 'prod-db-secret', MQTT_SECRET: 'mqtt-broker-secret', CLIENT_SECRET: 'cognito-client-secret',
      CERT_PRIVATE_KEY: 'iot-device-private-key', GITHUB_TOKEN_SECRET: 'github-token', SSM_API_KEY: 'app.api.key',
    };
    expect(id10(template({ F: fn(names) }), 'AWS::Lambda::Function')).toEqual(COMPLIANT);
    const ud = Object.entries(names).map(([k, v]) => `export ${k}=${v}`).join('\n');
    expect(id10(template({ Gw: instance({ 'Fn::Base64': `#!/bin/bash\n${ud}\n` }) }), 'AWS::EC2::Instance')).toEqual(COMPLIANT);
    expect(id10(template({ F: fn({ DB_PASSWORD: 'Sup3r-Secret!', MQTT_SECRET: 'mqtt-Broker-Secret', API_KEY: 'k3y-token-9f8e7d' }) }), 'AWS::Lambda::Function'))
      .toEqual(['LiteralSecret::Environment.Variables.API_KEY', 'LiteralSecret::Environment.Variables.DB_PASSWORD', 'LiteralSecret::Environment.Variables.MQTT_SECRET']);
    // A password's name holds a password, however word-like (a weak default is still a literal secret).
    expect(id10(template({ F: fn({ DB_PASSWORD: 'prod_db_password', BROKER_PASSWORD: 'dev-password' }) }), 'AWS::Lambda::Function'))
      .toEqual(['LiteralSecret::Environment.Variables.BROKER_PASSWORD', 'LiteralSecret::Environment.Variables.DB_PASSWORD']);
  });

  test('Authorization: Basic/Token credentials in text and in an IoT rule\'s HTTP action header pair; references and placeholders pass', () => {
    const basic = Buffer.from('user:hunter2').toString('base64');
    const script = `#!/bin/bash\ncurl -H "Authorization: Basic ${basic}" https://a.example.com\ncurl -H 'Authorization: Token Pa55wordTok3n' https://b.example.com\n`;
    const found = id10(template({ Gw: instance({ 'Fn::Base64': script }) }), 'AWS::EC2::Instance');
    expect(found).toEqual(['LiteralSecret::UserData[Basic]', 'LiteralSecret::UserData[Token]']);
    expect(JSON.stringify(found)).not.toMatch(SECRET_PARTS);
    expect(id10(template({ Gw: instance({ 'Fn::Base64': '#!/bin/bash\ncurl -H "Authorization: Basic $CREDS" -H "Authorization: Token ${TOKEN}" https://a.example.com\n' }) }), 'AWS::EC2::Instance'))
      .toEqual(COMPLIANT);

    const rule = (value: string) => ({
      Type: 'AWS::IoT::TopicRule',
      Properties: {
        TopicRulePayload: {
          Sql: "SELECT * FROM 'telemetry'",
          Actions: [{ Http: { Url: 'https://ingest.example.com/', Headers: [{ Key: 'Authorization', Value: value }, { Key: 'Content-Type', Value: 'application/json' }] } }],
        },
      },
    });
    const r = id10(template({ R: rule(`Basic ${basic}`) }), 'AWS::IoT::TopicRule');
    expect(r).toEqual(['LiteralSecret::TopicRulePayload.Actions[0].Http.Headers[Authorization].Value']);
    expect(JSON.stringify(r)).not.toMatch(SECRET_PARTS);
    expect(id10(template({ R: rule('Basic ${aws:secretsmanager:creds}') }), 'AWS::IoT::TopicRule')).toEqual(COMPLIANT);
    expect(id10(template({ R: rule('{{resolve:secretsmanager:creds:SecretString:header}}') }), 'AWS::IoT::TopicRule')).toEqual(COMPLIANT);
  });

  test('passwords given to commands as arguments (curl -u, mosquitto_pub -P, openssl -passout pass:, redis-cli -a, mysql -p, az login -p, ssh-keygen -N, wpa_passphrase); variables and short values pass', () => {
    const script = [
      '#!/bin/bash',
      'curl -u admin:S3cr3tPw9x https://api.example.com',
      'mosquitto_pub -h broker -u dev -P S3cr3tPw9x -t t -m hi',
      'openssl genrsa -passout pass:S3cr3tPw9x -aes256 -out k.pem',
      '/usr/bin/redis-cli -a S3cr3tPw9x ping',
      'mysql -uroot -pS3cr3tPw9x',
      'az login -u a -p S3cr3tPw9x',
      'ssh-keygen -N S3cr3tPw9x -f k',
      'wpa_passphrase MyWifi S3cr3tPw9x > /etc/wpa.conf',
    ].join('\n');
    const found = id10(template({ Gw: instance({ 'Fn::Base64': script }) }), 'AWS::EC2::Instance');
    expect(found).toEqual(['az', 'curl', 'mosquitto_pub', 'mysql', 'openssl', 'redis-cli', 'ssh-keygen', 'wpa_passphrase'].map((c) => `LiteralSecret::UserData[${c}]`));
    expect(JSON.stringify(found)).not.toMatch(/S3cr3t/);
    const safe = [
      '#!/bin/bash',
      'curl -u "admin:$API_PASS" https://api.example.com',
      'curl -u admin https://api.example.com',
      'mosquitto_pub -h broker -u dev -P "$MQTT_PASSWORD" -t t -m hi',
      'openssl req -new -key device.key -passin pass:$KEY_PASS -out device.csr',
      'openssl genrsa -passout env:KEY_PASS -out k.pem',
      'redis-cli -a "${REDIS_AUTH}" ping',
      'mysql -uroot -p',
      "ssh-keygen -N '' -f k",
    ].join('\n');
    expect(id10(template({ Gw: instance({ 'Fn::Base64': safe }) }), 'AWS::EC2::Instance')).toEqual(COMPLIANT);

    // A container's command as a list (plain template); its twin reads the password from a variable.
    const task = (command: string[]) => ({ Type: 'AWS::ECS::TaskDefinition', Properties: { ContainerDefinitions: [{ Name: 'c', Image: 'eclipse-mosquitto', Command: command }] } });
    const listed = id10(template({ T: task(['mosquitto_sub', '-h', 'broker.local', '-u', 'device', '-P', 'S3cr3tPw!x', '-t', 'dt/#']) }), 'AWS::ECS::TaskDefinition');
    expect(listed).toEqual(['LiteralSecret::ContainerDefinitions[0].Command[mosquitto_sub]']);
    expect(JSON.stringify(listed)).not.toMatch(/S3cr3t/);

    // A password argument with a stem and `=` in it is no name of its own.
    const stems = '#!/bin/bash\nmosquitto_pub -u dev -P abcToken=Zz9x -t t -m hi\nopenssl genrsa -passout pass:xyzSecret=Q1w2 -out k.pem\ncurl -u admin:myPass=Zz9x https://a.example.com\n';
    const stemFound = id10(template({ Gw: instance({ 'Fn::Base64': stems }) }), 'AWS::EC2::Instance');
    expect(stemFound).toEqual(['LiteralSecret::UserData[curl]', 'LiteralSecret::UserData[mosquitto_pub]', 'LiteralSecret::UserData[openssl]']);
    expect(id10(template({ T: task(['mosquitto_sub', '-h', 'broker.local', '-u', 'device', '-P', '$(MQTT_PASSWORD)', '-t', 'dt/#']) }), 'AWS::ECS::TaskDefinition')).toEqual(COMPLIANT);
  });

  test('names: when and where a secret is (TokenExpiresAt, PasswordLastUsed, a credentials endpoint address); Pascal-case secret names and placeholders are no values', () => {
    for (const name of ['TokenExpiresAt', 'PasswordLastUsed', 'CREDENTIALS_ENDPOINT_ADDRESS', 'IotCredentialProviderAddress', 'PASSWORD_HASH_ALGO', 'TOKEN_EXCHANGE_SERVICE']) {
      expect(isSecretName(name)).toBe(false);
    }
    expect(id10(template({ F: fn({ BROKER_CREDENTIALS: 'BrokerCredentials', DB_PASSWORD: 'abc-placeholder', API_TOKEN: 'REDACTED' }) }), 'AWS::Lambda::Function')).toEqual(COMPLIANT);
    expect(id10(template({ F: fn({ BROKER_CREDENTIALS: 'Broker2Credentials!' }) }), 'AWS::Lambda::Function')).toEqual(['LiteralSecret::Environment.Variables.BROKER_CREDENTIALS']);
  });
});

