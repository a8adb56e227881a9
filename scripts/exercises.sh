#!/usr/bin/env bash
# exercises.sh - the checks a student runs to see an exercise of TUTORIAL.md done:
#   make exercise EX=1.1            (or: scripts/exercises.sh 1.1 [-- CMD...])
# Each check prints one line, "exercise N: done: ..." (exit 0) or "exercise N: not
# yet: ..." with a hint (exit 1).  Everything a check sets up lives in namespaces it
# creates for the purpose; the machine is never changed.
set -u
cd "$(dirname "$0")/.." || exit 1

ex=${1:-}
shift || true
[ "${1:-}" = -- ] && shift

done_() { echo "exercise $ex: done: $*"; exit 0; }
not_yet() { echo "exercise $ex: not yet: $*"; exit 1; }

# 5.1 runs rootless too, as make run-05 does (-U); the others need root.
[ "$(id -u)" = 0 ] || [ "$ex" = 5.1 ] || { echo "exercise $ex: needs root, as the stages do: sudo make exercise EX=$ex" >&2; exit 2; }

# Rebuild what the student may have edited, quietly; a compile error is worth showing.
make --no-print-directory -s all >/dev/null || { echo "exercise $ex: the build failed: fix the error above, then run the check again" >&2; exit 2; }

case "$ex" in
  1.1) # break it: drop MS_PRIVATE, watch the proc mount leak
    procs=$(unshare --mount sh -c 'mount --make-rshared / && 01-pid-ns/pid-ns -q -- true; ls /proc | grep -c "^[0-9]"')
    if [ "$procs" = 0 ]; then
      done_ "with / shared and no MS_PRIVATE, the child's proc landed on the parent's /proc, which now lists 0 processes (this ran in a throwaway mount namespace; your real /proc is fine). Put the pid1_make_private(\"/\") step back and run make."
    fi
    not_yet "the parent's /proc still lists $procs processes: remove the pid1_make_private(\"/\") step from child_main in 01-pid-ns/pid-ns.c, then run this check again"
    ;;
  1.2) # a PID 1 that SIGTERM can stop
    [ $# -gt 0 ] || { echo "exercise 1.2: give the command to run as PID 1: make exercise EX=1.2 CMD='sleep 300'" >&2; exit 2; }
    out=$(mktemp)
    01-pid-ns/pid-ns -- "$@" >"$out" 2>&1 &
    runner=$!
    host_pid=""
    for _ in $(seq 50); do
      host_pid=$(sed -nE 's/.*the child is PID ([0-9]+) on the host.*/\1/p' "$out")
      [ -n "$host_pid" ] && grep -q execvp "$out" && break
      sleep 0.1
    done
    # Whether PID 1 catches SIGTERM: bit 15 of SigCgt in its status.  A command may
    # take a moment to set its handler up (an interpreter starting): wait for it, up
    # to 3 s, so that a slow but correct PID 1 is not judged before it is ready.
    catches() {
      local mask
      mask=$(sed -n 's/^SigCgt:[[:space:]]*//p' "/proc/$host_pid/status" 2>/dev/null)
      [ -n "$mask" ] && (((16#$mask >> 14) & 1))
    }
    handler=no
    for _ in $(seq 30); do
      [ -n "$host_pid" ] && catches && { handler=yes; break; }
      kill -0 "$runner" 2>/dev/null || break
      sleep 0.1
    done
    kill -TERM "$host_pid" 2>/dev/null
    # 5 s to end with a handler; without one, SIGTERM is dropped: 1 s shows it
    tries=10
    [ "$handler" = yes ] && tries=50
    for _ in $(seq "$tries"); do
      kill -0 "$runner" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$runner" 2>/dev/null; then
      kill -KILL "$host_pid" 2>/dev/null
      wait "$runner" 2>/dev/null
      rm -f "$out"
      if [ "$handler" = yes ]; then
        not_yet "PID 1 ($*) has a handler for SIGTERM (bit 15 of SigCgt in /proc/PID/status) and got the signal, but had not ended 5 s later. A shell runs a trap only between commands: while it waits for a foreground command to end, the trap waits too. Let PID 1 wait in a way a signal can interrupt (see help wait in bash, or wait in sh(1))."
      fi
      not_yet "PID 1 ($*) ignored SIGTERM from the host: it has no handler for it, and the kernel delivers a signal to a namespace's init only if it has one (SIGKILL and SIGSTOP from outside excepted; see pid_namespaces(7)). Give PID 1 a handler for SIGTERM: in a shell, that is what trap sets."
    fi
    wait "$runner"
    rc=$?
    rm -f "$out"
    done_ "PID 1 ($*) had a handler and ended on SIGTERM, exit status $rc"
    ;;
  2.1) # break it: no CLONE_NEWIPC, the host's queue shows inside
    # A throwaway IPC namespace plays the host, so the machine gets no queue.
    # shellcheck disable=SC2016 # expanded by the inner shell
    seen=$(unshare --ipc sh -c 'id=$(ipcmk -Q | grep -o "[0-9]*$") &&
      02-ipc-mount-ns/ipc-mount-ns -q -- ipcs -q | awk -v id="$id" "\$2 == id" | wc -l')
    if [ "$seen" = 1 ]; then
      done_ "without CLONE_NEWIPC the child shares the parent's IPC namespace: the queue made outside is listed by ipcs -q inside. Put the flag back and run make."
    fi
    not_yet "the queue made outside is not listed inside: remove CLONE_NEWIPC from the clone flags in 02-ipc-mount-ns/ipc-mount-ns.c's main, then run this check again"
    ;;
  3.1) # break it: setuid before setgid
    out=$(03-user-drop/user-drop -q -- true 2>&1)
    if [[ $out == *"setgid(65534) ~ setpriv --regid=65534: Operation not permitted"* ]]; then
      done_ "once setuid(65534) has run, the process has no CAP_SETGID left: setgid fails with EPERM and the program stops before the command (the article, which checks nothing, would have run bash with root's group). Put setuid back after setgid and run make."
    fi
    not_yet "the drop still works (${out:-no output}): in 03-user-drop/user-drop.c's child_main, do the setuid() step before the setgid() step, then run this check again"
    ;;
  3.2) # break it: gid_map before setgroups deny
    # As an ordinary user, which is where the rule bites: root may write gid_map in
    # any order.  The program is copied where that user can run it.
    dir=$(mktemp -d /tmp/nslab-exercise.XXXXXX)
    chmod 755 "$dir"
    cp 01-pid-ns/pid-ns "$dir/"
    out=$(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$dir/pid-ns" -U -q -- true 2>&1)
    rm -rf "$dir"
    if [[ $out == *"gid_map: Operation not permitted"* ]]; then
      done_ "an unprivileged process may write gid_map only after \"deny\" is in setgroups: otherwise it could drop groups that deny it access (a file mode like 0707). The kernel refused the map with EPERM. Put the setgroups write back first and run make."
    fi
    not_yet "the maps were written (${out:-pid-ns -U ran}): in 03-user-drop/userns-maps.c's userns_write_maps, write gid_map before setgroups, then run this check again"
    ;;
  4.1) # break it: lo stays down in ns1
    h=nslab-ex41h n=nslab-ex41n
    04-netns-veth/netns-veth -q --host-ns "$h" --ns "$n" up || exit 2
    if ip netns exec "$n" ping -c 1 -W 1 192.168.5.10 >/dev/null 2>&1; then
      04-netns-veth/netns-veth -q --host-ns "$h" --ns "$n" down
      not_yet "ns1 can ping its own address 192.168.5.10: remove the step that brings lo up in ns1 (narrated as ip -n ns1 link set lo up) from 04-netns-veth/netns-veth.c, then run this check again"
    fi
    04-netns-veth/netns-veth -q --host-ns "$h" --ns "$n" down
    done_ "with lo down, ns1 cannot even ping its own address: the kernel delivers packets to a local address through lo. Put the step back and run make."
    ;;
  5.1) # break it: dnsmasq pings before it offers
    o=(--host-ns nslab-ex51h --lan-ns nslab-ex51l --ns nslab-ex51n)
    # not root: the lab in a user namespace of one's own, as make run-05 chooses
    [ "$(id -u)" = 0 ] || o+=(-U)
    us=$(05-bridge-dhcp/bridge-dhcp -q --timing "${o[@]}" up | awk '$2 == "br0" {print $4}')
    05-bridge-dhcp/bridge-dhcp -q "${o[@]}" down
    [ -n "$us" ] || { echo "exercise 5.1: up failed: run it with narration to see why" >&2; exit 2; }
    ms=$((us / 1000))
    if [ "$ms" -ge 2500 ]; then
      done_ "br0's first lease took $ms ms: dnsmasq pinged the address it meant to offer and waited for an answer that never came, as a first dhclient lease did for seconds when this course was written (the article gives no timing). Put --no-ping back and run make."
    fi
    not_yet "br0's first lease took $ms ms: take --no-ping out of dnsmasq's command line in common/dnsmasq.c, then run this check again"
    ;;
  "")
    echo "usage: scripts/exercises.sh EXERCISE [-- CMD...]   (make exercise EX=1.1)" >&2
    exit 2
    ;;
  *)
    echo "exercise $ex: no such exercise (see the Exercises sections of TUTORIAL.md)" >&2
    exit 2
    ;;
esac
