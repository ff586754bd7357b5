// Preloaded (NODE_OPTIONS=--require) by the soak bench into poshil and the simulator it starts:
// appends the process's memory to $POSHIL_BENCH_MEMORY every $POSHIL_BENCH_MEMORY_MS (default 5000).
const { appendFileSync } = require('node:fs');
const file = process.env.POSHIL_BENCH_MEMORY;
if (file) {
  const sample = () => {
    const m = process.memoryUsage();
    const line = { pid: process.pid, argv: process.argv.slice(1, 3).join(' '), t: Date.now(), rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers };
    appendFileSync(file, JSON.stringify(line) + '\n');
  };
  sample();
  setInterval(sample, Number(process.env.POSHIL_BENCH_MEMORY_MS ?? 5000)).unref();
  process.on('exit', sample);
}
