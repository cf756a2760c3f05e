import { Names } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { FindingClass } from '../finding-class';
import { FindingEvent } from '../finding-event';

/** CloudWatch's limit on an alarm name (PutMetricAlarm, AlarmName). */
const MAX_ALARM_NAME = 255;

/**
 * The name of an alarm `id` of `scope` whose ALARM state starts the playbook of `findingClass`:
 * the class's prefix (`FindingEvent.alarmNamePrefix`), then a name unique to the construct path
 * and deterministic across synths (alarm names are unique in an account and region), then `id`;
 * 255 characters at most.
 */
export function findingAlarmName(scope: Construct, id: string, findingClass: FindingClass): string {
  const prefix = FindingEvent.alarmNamePrefix(findingClass);
  const room = MAX_ALARM_NAME - prefix.length - id.length - 1;
  return `${prefix}${Names.uniqueResourceName(scope, { maxLength: room, separator: '-' })}-${id}`;
}
