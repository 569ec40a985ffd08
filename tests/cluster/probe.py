#!/usr/bin/python3
"""TCP reachability between two hosts of the namespace cluster (tests/cluster/netns.sh):

  probe.py listen ADDR PORTFILE    accept one connection on ADDR (ephemeral port, written
                                   to PORTFILE), answer "ok", exit 0; exit 1 after 10 s
  probe.py connect ADDR PORT       connect (3 s timeout), expect "ok"; exit 0, else print
                                   the error and exit 1
Run each end inside its host's namespace (`ip netns exec`)."""
import socket
import sys

if len(sys.argv) == 4 and sys.argv[1] == "listen":
    s = socket.socket()
    s.bind((sys.argv[2], 0))
    s.listen(1)
    s.settimeout(10)
    with open(sys.argv[3] + ".tmp", "w") as f:
        f.write(str(s.getsockname()[1]))
    import os
    os.rename(sys.argv[3] + ".tmp", sys.argv[3])
    try:
        c, _ = s.accept()
    except OSError as e:
        print(f"probe: listen on {sys.argv[2]}: {e}", file=sys.stderr)
        sys.exit(1)
    c.sendall(b"ok")
    c.close()
    sys.exit(0)
if len(sys.argv) == 4 and sys.argv[1] == "connect":
    try:
        c = socket.create_connection((sys.argv[2], int(sys.argv[3])), timeout=3)
        got = c.recv(2)
    except OSError as e:
        print(f"connect to {sys.argv[2]}:{sys.argv[3]}: {e}")
        sys.exit(1)
    sys.exit(0 if got == b"ok" else 1)
print(__doc__, file=sys.stderr)
sys.exit(2)
