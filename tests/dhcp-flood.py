#!/usr/bin/env python3
"""dhcp-flood.py IFNAME STOPFILE READYFILE - malformed DHCP replies, broadcast on IFNAME.

A test helper for tests/05-bridge-dhcp.bats: run inside the lab's LAN namespace only,
it broadcasts to port 68 replies a client must refuse (a wrong magic cookie, a
truncated header, a foreign xid), 20 at a time with a pause of 0.2 ms (shorter than
one DHCP exchange: every exchange meets some), until STOPFILE exists, 4 s have passed
or 100000 are sent.  READYFILE appears after the first burst.
"""
import os
import socket
import struct
import sys
import time

ifname, stop, ready = sys.argv[1:4]


def reply(cookie=0x63825363, xid=0x12345678, length=300):
    h = bytearray(max(length, 240))
    h[0:3] = b"\x02\x01\x06"
    h[4:8] = struct.pack("!I", xid)
    h[28:34] = b"\x02\x00\x5e\x00\x00\x01"
    h[236:240] = struct.pack("!I", cookie)
    return bytes(h[:length])


bad = [reply(cookie=0x63825300), reply(length=100), reply() + b"\x35\x01\x02\xff"]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, ifname.encode())
t0, sent = time.monotonic(), 0
while sent < 100000 and time.monotonic() - t0 < 4 and not os.path.exists(stop):
    for i in range(20):
        try:
            s.sendto(bad[i % 3], ("255.255.255.255", 68))
            sent += 1
        except OSError:
            pass
    if sent == 20:
        open(ready, "w").close()
    time.sleep(0.0002)
print(sent)
