/**
 * The far end of the bench's serial and TCP comparisons, in its own process so it never shares
 * the harness's event loop: answers each request line with a fixed response carrying its id
 * (the cheapest possible terminal), or — in sink mode — receives paced bytes and checks them.
 *
 *   responder.js --pty PATH        answer lines on a tty
 *   responder.js --tcp             listen on 127.0.0.1 port 0, print {"port":N}
 *   responder.js --sink PATH N     expect N bytes (byte i = i mod 251) on a tty, print a report
 *
 * It prints {"ready":true} when listening and ends when stdin closes.
 */
import { createServer, type Socket } from 'node:net';
import { SerialPort } from 'serialport';

const RESPONSE_TAIL = ',"ok":true,"result":{"state":"idle","paper":"ok"}}\n';
const say = (value: object) => process.stdout.write(JSON.stringify(value) + '\n');

function answerLines(write: (bytes: Buffer) => void): (chunk: Buffer) => void {
  let pending = '';
  return (chunk) => {
    pending += chunk.toString('latin1');
    let nl: number;
    while ((nl = pending.indexOf('\n')) !== -1) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      const id = /"id":(\d+)/.exec(line)?.[1] ?? 'null';
      write(Buffer.from(`{"id":${id}${RESPONSE_TAIL}`, 'latin1'));
    }
  };
}

function openTty(path: string): Promise<SerialPort> {
  const port = new SerialPort({ path, baudRate: 115200, autoOpen: false });
  return new Promise((resolve, reject) => port.open((error) => (error ? reject(error) : resolve(port))));
}

/** Receives paced bytes: every byte must be the expected one; reports when they came (epoch ms). */
function sink(port: SerialPort, expected: number): void {
  let received = 0;
  let wrong = 0;
  let first = 0;
  let last = 0;
  port.on('data', (chunk: Buffer) => {
    const now = performance.timeOrigin + performance.now();
    if (received === 0) first = now;
    for (const byte of chunk) if (byte !== (received++ % 251)) wrong++;
    last = now;
    if (received >= expected) say({ received, wrong, firstMs: first, lastMs: last });
  });
}

const [mode, path, count] = process.argv.slice(2);
const sockets: Socket[] = [];
if (mode === '--tcp') {
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.setNoDelay(true);
    socket.on('data', answerLines((bytes) => socket.write(bytes)));
    socket.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1', () => say({ ready: true, port: (server.address() as { port: number }).port }));
  process.stdin.on('close', () => (sockets.forEach((s) => s.destroy()), server.close()));
} else if ((mode === '--pty' || mode === '--sink') && path) {
  const port = await openTty(path);
  if (mode === '--pty') port.on('data', answerLines((bytes) => port.write(bytes)));
  else sink(port, Number(count));
  say({ ready: true });
  process.stdin.on('close', () => port.close());
} else {
  process.stderr.write('usage: responder.js --pty PATH | --tcp | --sink PATH N\n');
  process.exit(2);
}
process.stdin.resume();
