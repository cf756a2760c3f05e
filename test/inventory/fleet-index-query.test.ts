import { parseFleetIndexQuery } from '../../lib/inventory/private/fleet-index-query';

describe('valid queries', () => {
  test('a term, quoted values, wildcards', () => {
    expect(parseFleetIndexQuery('thingName:sensor-*').ast).toEqual({ kind: 'term', field: 'thingName', op: ':', values: ['sensor-*'] });
    expect(parseFleetIndexQuery('attributes.site:"plant 1"').ast).toEqual({ kind: 'term', field: 'attributes.site', op: ':', values: ['plant 1'] });
    expect(parseFleetIndexQuery('attributes.model:ab?d').uses).toEqual([{ field: 'attributes.model', ranged: false, numeric: false }]);
  });

  test('AND binds tighter than OR; NOT and parentheses; implicit AND', () => {
    expect(parseFleetIndexQuery('a.b:1 OR attributes.x:1 AND NOT attributes.y:2'.replace('a.b', 'thingName')).ast).toEqual({
      kind: 'or',
      left: { kind: 'term', field: 'thingName', op: ':', values: ['1'] },
      right: { kind: 'and', left: { kind: 'term', field: 'attributes.x', op: ':', values: ['1'] }, right: { kind: 'not', operand: { kind: 'term', field: 'attributes.y', op: ':', values: ['2'] } } },
    });
    expect(parseFleetIndexQuery('(thingName:a OR thingName:b) attributes.site:x').ast.kind).toBe('and');
  });

  test('ranges and comparisons mark the field ranged, numeric when the bounds are numbers', () => {
    expect(parseFleetIndexQuery('attributes.build:[10 TO *}').uses).toEqual([{ field: 'attributes.build', ranged: true, numeric: true }]);
    expect(parseFleetIndexQuery('attributes.build >= 12.5').uses).toEqual([{ field: 'attributes.build', ranged: true, numeric: true }]);
    expect(parseFleetIndexQuery('attributes.version<"2.0"').uses).toEqual([{ field: 'attributes.version', ranged: true, numeric: false }]);
  });

  test('every field family', () => {
    for (const q of ['connectivity.connected:false', 'connectivity.timestamp<1700000000000', 'shadow.reported.compliant:false', 'shadow.name.cfg.reported.rev>3',
      'shadow.hasDelta:true', 'deviceDefender.violationCount>0', 'deviceDefender.p1.m1.inViolation:true', 'thingGroupNames:fleet-high', 'thingTypeName:sensor']) {
      expect(() => parseFleetIndexQuery(q)).not.toThrow();
    }
  });
});

describe('invalid queries, with where and why', () => {
  test.each([
    ['', /the query is empty/],
    ['thingName:', /expected a value at position 11, found the end of the query/],
    ['sensor', /"sensor" at position 1 has no field/],
    ['attribute.site:x', /unknown field "attribute.site"/],
    ['(thingName:a OR thingName:b', /expected '\)' at position 28/],
    ['thingName:a)', /expected AND, OR or the end of the query at position 12/],
    ['thingName:a AND', /expected a field such as attributes.site at position 16/],
    ['attributes.b:[1 2]', /expected 'TO' in a range at position 17/],
    ['attributes.b:[1 TO 2', /expected '\]' or '\}' closing the range/],
    ['attributes.b:[* TO *]', /has no bound/],
    ['attributes.b>1*', /a comparison takes no wildcard/],
    ['attributes.b:"open', /unterminated quoted value starting at position 14/],
    ['attributes.b=1', /'=' at position 13: use ':'/],
    ['x'.repeat(1001), /at most 1000/],
  ])('%s', (q, message) => {
    expect(() => parseFleetIndexQuery(q)).toThrow(message);
  });
});
