"""The external floor for a serial round trip: a bare pyserial write + readline loop.

Usage: pyserial-loop.py TTY COUNT WARMUP. Prints the round-trip times (microseconds) of the
COUNT requests after WARMUP as one JSON array on stdout. The request is the same 64-byte line
poshil's bench sends; the responder answers it the same way.
"""
import json
import sys
import time

import serial

path, count, warmup = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
line = b'{"id":1,"op":"status","args":{"pad":"' + b"x" * 26 + b'"}}\n'
samples = []
with serial.Serial(path, 115200, timeout=2) as port:
    for i in range(count + warmup):
        start = time.perf_counter()
        port.write(line)
        reply = port.readline()
        elapsed = (time.perf_counter() - start) * 1e6
        if not reply.endswith(b"\n"):
            sys.exit("no reply within 2 s")
        if i >= warmup:
            samples.append(elapsed)
print(json.dumps(samples))
