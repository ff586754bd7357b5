// Preloaded (node -r) by the bench into a timed command: reports its peak resident set on exit.
process.on('exit', () => process.stderr.write(`poshil-bench-maxrss ${process.resourceUsage().maxRSS}\n`));
