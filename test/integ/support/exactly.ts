import { ExpectedResult } from '@aws-cdk/integ-tests-alpha';

/**
 * `value`, and nothing else, as an expectation. `ExpectedResult.exact` cannot serve: the assertion
 * handler of integ-tests-alpha 2.245 reads `$ObjectLike`, `$ArrayWith`, `$StringLike` and
 * `$SerializedJson` but not the `$Exact` it writes, so it compares `{"$Exact": value}` with the
 * value and always fails (`npm test` refuses it). The handler tests patterns with the `gm` flags,
 * where `^` and `$` match at every line: the look-arounds anchor at the whole string instead.
 */
export function exactly(value: string): ExpectedResult {
  // Tokens (a run's ID, a resource's name) stay as they are: what they resolve to in a deployment
  // is IDs and names, which hold no pattern characters; the text around them is escaped.
  const escaped = value.split(TOKEN).map((part, i) => (i % 2 === 1 ? part : escape(part))).join('');
  return ExpectedResult.stringLikeRegexp(`(?<![\\s\\S])${escaped}(?![\\s\\S])`);
}

/** How a string token reads at synth (`${Token[NAME.123]}`), captured so split() keeps it. */
const TOKEN = /(\$\{Token\[[^\]]+\]\})/;

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
