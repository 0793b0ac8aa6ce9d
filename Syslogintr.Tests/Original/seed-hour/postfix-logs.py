#!/usr/bin/env python3
# What Postfix does while /usr/sbin/sendmail takes a mail: it logs, through syslog(3), into the local socket the
# syslog daemon reads. The seed's hour (SeedHourTests) runs this from its sendmail stand-in before the stand-in
# hangs and only then reads the mail, so the script that runs sendmail is blocked in the pipe's close meanwhile.
#
#   postfix-logs.py SOCKET LINES RECORD
#
# Sends LINES datagrams of mail.info (as postfix/pickup's would be) to the unix socket SOCKET, each with one
# blocking send() as syslog(3) does, and times every send. Appends one JSON line to RECORD: how many were sent,
# how many failed, the slowest send in seconds. Where syslog(3) would wait for ever, a send the node does not take
# within 5 s (SO_SNDTIMEO) gives up, and so do the rest of the lines, counted as failed: a node that stopped reading
# (the original, here) fails the test with numbers instead of hanging it. A socket that is not there (nobody
# listens yet) fails every line, as syslog(3) would drop them.
import json, os, socket, sys, time

path, lines, record = sys.argv[1], int(sys.argv[2]), sys.argv[3]
pid = os.getpid()
sent = failed = 0
slowest = 0.0
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.settimeout(5)
try:
    sock.connect(path)
except OSError:
    sock = None
for i in range(lines):
    if sock is None:
        failed += 1
        continue
    now = time.localtime()
    text = f"<22>{time.strftime('%b', now)} {now.tm_mday:2d} {time.strftime('%H:%M:%S', now)} postfix/pickup[{pid}]: seedhour-postfix {pid} line {i}: uid=0 from=<root>"
    before = time.monotonic()
    try:
        sock.send(text.encode())
        sent += 1
    except OSError:
        failed += 1
        sock = None
    slowest = max(slowest, time.monotonic() - before)
with open(record, "a") as f:
    f.write(json.dumps({"pid": pid, "sent": sent, "failed": failed, "slowest": slowest}) + "\n")
