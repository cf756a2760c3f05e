/* Preloaded into each benchmarked synth: writes the process's peak resident memory on exit. */
const fs = require('fs');
process.on('exit', () => {
  if (process.env.BENCH_RSS_FILE) {
    fs.writeFileSync(process.env.BENCH_RSS_FILE, String(process.resourceUsage().maxRSS));
  }
});
