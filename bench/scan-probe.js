/*
 * Preloaded (`node -r`) into each scan of the scanner's size benchmark: writes the process's peak
 * resident memory and CPU time to $BENCH_PROBE_FILE when it exits (the command line ends with
 * process.exit, which still runs 'exit' listeners). JavaScript, so that it is not itself transpiled.
 */
'use strict';
const fs = require('fs');

process.on('exit', () => {
  const usage = process.resourceUsage();
  fs.writeFileSync(process.env.BENCH_PROBE_FILE, JSON.stringify({
    maxRssKb: usage.maxRSS,
    cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000,
  }));
});
