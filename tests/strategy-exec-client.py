#!/usr/bin/env python3
"""A strategy client for tests/strategy-exec*.test.ts that misbehaves on request.

    python3 strategy-exec-client.py MODE [--at N] [--wants a,b] [--log FILE] [--pidfile FILE]

MODE, acted on at event N (1 = the first event after hello; default 3):
  ok         buys on the first event, then replies [] (with --log, writes every line it reads)
  malformed  replies text that is not JSON
  notarray   replies a JSON object
  twolines   replies two lines
  sleep      never replies (sleeps a long time)
  crash      writes "boom at event N" to stderr and exits 3
  stderr     writes "note N" to stderr on every event, and answers
  hang       answers hello, writes its pid, then waits for ever without reading
"""

import json
import os
import sys
import time

args = sys.argv[1:]
mode = args[0]
opts = dict(zip(args[1::2], args[2::2]))
at = int(opts.get("--at", "3"))
wants = opts.get("--wants", "candle").split(",")
log = open(opts["--log"], "w") if "--log" in opts else None
if "--pidfile" in opts:
    with open(opts["--pidfile"] + ".tmp", "w") as f:
        f.write(str(os.getpid()))
    os.rename(opts["--pidfile"] + ".tmp", opts["--pidfile"])

read = sys.stdin.readline
hello = json.loads(read())
if log:
    log.write(json.dumps(hello) + "\n")
    log.flush()
if mode == "stderr":
    sys.stderr.write("starting\n")
    sys.stderr.flush()
print(json.dumps({"type": "hello", "protocol": 1, "name": "test-client", "wants": wants}), flush=True)
if mode == "hang":
    time.sleep(3600)
n = 0
for line in iter(read, ""):
    event = json.loads(line)
    if log:
        log.write(line)
        log.flush()
    if event["event"] == "end":
        break
    n += 1
    if mode == "stderr":
        sys.stderr.write(f"note {n}\n")
        sys.stderr.flush()
    if n == at:
        if mode == "malformed":
            print("this is not json", flush=True)
            continue
        if mode == "notarray":
            print('{"side":"buy"}', flush=True)
            continue
        if mode == "twolines":
            print("[]\n[]", flush=True)
            continue
        if mode == "sleep":
            time.sleep(3600)
        if mode == "crash":
            sys.stderr.write(f"boom at event {n}\n")
            sys.stderr.flush()
            sys.exit(3)
    print('[{"side":"buy"}]' if n == 1 and event["event"] == "record" else "[]", flush=True)
