/** The evidence thread's side of transcript-thread.ts: masks raw entries and writes each run's segments. */
import { parentPort } from 'node:worker_threads';
import { SegmentedNdjson } from './segments.js';
import { maskRawEntry } from './transcript-entry.js';
import type { FromThread, ToThread } from './transcript-thread.js';

const files = new Map<number, SegmentedNdjson>();
/** Ended, not yet closed: a flush still writes out what they hold. */
const closing = new Set<SegmentedNdjson>();
const port = parentPort!;

port.on('message', (messages: ToThread[]) => {
  for (const message of messages) {
    switch (message.op) {
      case 'open':
        files.set(message.id, new SegmentedNdjson(message.runDir, message.stream, message.runId, message.segmentBytes));
        break;
      case 'raw':
        files.get(message.id)?.append(maskRawEntry(message.entry));
        break;
      case 'entry':
        files.get(message.id)?.append(message.entry);
        break;
      case 'end': {
        const file = files.get(message.id);
        files.delete(message.id);
        if (!file) break;
        closing.add(file);
        void file.end().then((sealed) => {
          closing.delete(file);
          port.postMessage({ op: 'ended', id: message.id, sealed, ...(file.failure ? { failure: file.failure.message } : {}) } satisfies FromThread);
        });
        break;
      }
      case 'flush':
        for (const file of [...files.values(), ...closing]) file.flushSync();
        Atomics.store(message.done, 0, 1);
        Atomics.notify(message.done, 0);
        break;
    }
  }
});
