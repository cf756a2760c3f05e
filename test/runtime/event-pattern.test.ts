import { eventMatches, FREE } from './event-pattern';

/* The examples of the EventBridge user guide's "Content filtering" page, as they read. */

const ec2Event = {
  'source': 'aws.ec2',
  'detail-type': 'EC2 Instance State-change Notification',
  'detail': { 'instance-id': 'i-1234567890abcdef0', 'state': 'terminated', 'c-count': 5, 'd-count': 3, 'x-limit': 301.8, 'source-ip': '10.0.0.123', 'tags': ['a', 'b'] },
};

test.each([
  [{ source: ['aws.ec2'] }, true],
  [{ source: ['aws.s3', 'aws.ec2'] }, true],
  [{ source: ['aws.s3'] }, false],
  [{ 'detail-type': ['EC2 Instance State-change Notification'], 'detail': { state: ['terminated'] } }, true],
  [{ detail: { state: ['running'] } }, false],
  [{ detail: { missing: ['x'] } }, false],
  [{ detail: { state: [{ prefix: 'term' }] } }, true],
  [{ detail: { state: [{ prefix: { 'equals-ignore-case': 'TERM' } }] } }, true],
  [{ detail: { state: [{ suffix: 'ated' }] } }, true],
  [{ detail: { state: [{ 'equals-ignore-case': 'TERMINATED' }] } }, true],
  [{ detail: { state: [{ 'anything-but': 'running' }] } }, true],
  [{ detail: { state: [{ 'anything-but': ['running', 'terminated'] }] } }, false],
  [{ detail: { state: [{ 'anything-but': { prefix: 'term' } }] } }, false],
  [{ detail: { state: [{ 'anything-but': { suffix: 'ing' } }] } }, true],
  [{ detail: { state: [{ wildcard: 't*nated' }] } }, true],
  [{ detail: { 'c-count': [{ numeric: ['>', 0, '<=', 5] }], 'd-count': [{ numeric: ['<', 10] }], 'x-limit': [{ numeric: ['=', 301.8] }] } }, true],
  [{ detail: { 'c-count': [{ numeric: ['>', 5] }] } }, false],
  [{ detail: { 'c-count': [5] } }, true],
  [{ detail: { 'source-ip': [{ cidr: '10.0.0.0/24' }] } }, true],
  [{ detail: { 'source-ip': [{ cidr: '10.0.1.0/24' }] } }, false],
  [{ detail: { state: [{ exists: true }] } }, true],
  [{ detail: { missing: [{ exists: false }] } }, true],
  [{ detail: { state: [{ exists: false }] } }, false],
  [{ detail: { tags: ['b'] } }, true],
  [{ detail: { $or: [{ state: ['running'] }, { 'c-count': [5] }] } }, true],
  [{ detail: { $or: [{ state: ['running'] }, { 'c-count': [6] }] } }, false],
  [{ $or: [{ source: ['aws.s3'] }, { detail: { state: ['terminated'] } }] }, true],
])('%j matches the example event: %s', (pattern, expected) => {
  expect(eventMatches(pattern, ec2Event)).toBe(expected);
});

test('an object in the pattern needs an object in the event; exists does not match an object', () => {
  expect(eventMatches({ detail: { state: { name: ['x'] } } }, ec2Event)).toBe(false);
  expect(eventMatches({ detail: [{ exists: true }] }, ec2Event)).toBe(false);
});

test('null matches null only', () => {
  expect(eventMatches({ detail: { v: [null] } }, { detail: { v: null } })).toBe(true);
  expect(eventMatches({ detail: { v: [null] } }, { detail: {} })).toBe(false);
});

test('a freely chosen value satisfies string filters, not numeric ones', () => {
  const upload = { source: 'aws.s3', detail: { object: { key: FREE } } };
  expect(eventMatches({ detail: { object: { key: [{ prefix: 'incoming/' }] } } }, upload)).toBe(true);
  expect(eventMatches({ detail: { object: { key: ['exact.bin'] } } }, upload)).toBe(true);
  expect(eventMatches({ detail: { object: { key: [{ numeric: ['>', 1] }] } } }, upload)).toBe(false);
});

test.each([
  [{ source: 'aws.ec2' }, /must be a list or an object/],
  [{ source: [] }, /empty list/],
  [{ source: [{ 'begins-with': 'aws' }] }, /unknown content filter "begins-with"/],
  [{ detail: { 'c-count': [{ numeric: ['>>', 1] }] } }, /numeric: unknown operator ">>"/],
  [{ $or: [{ source: ['x'] }] }, /\$or takes a list of at least two patterns/],
  ['source', /an event pattern is a JSON object/],
])('a pattern it does not understand throws, never passes: %j', (pattern, message) => {
  expect(() => eventMatches(pattern, ec2Event)).toThrow(message);
});
