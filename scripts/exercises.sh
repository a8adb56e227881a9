#!/usr/bin/env bash
# exercises.sh - the checks a student runs to see an exercise of TUTORIAL.md done:
#   make exercise EX=1.1            (or: scripts/exercises.sh 1.1 [-- CMD...])
# Each check prints one line, "exercise N: done: ..." (exit 0) or "exercise N: not
# yet: ..." with a hint (exit 1).  Everything a check sets up lives in namespaces it
# creates for the purpose; the machine is never changed.  No check needs root: each
# runs the stages as make run-NN does for whoever runs it, as they are for root and
# rootless (-U, in a user namespace of one's own) for an ordinary user, and gives the
# same verdict both ways.  The labs of 4.1 and 5.1 are named NSLAB_EX_LAB followed by
# h, n (and l), nslab-ex41 and nslab-ex51 by default: tests give each run names of
# its own.
set -u
# In a SANITIZE=1 build: LeakSanitizer cannot run under strace (3.1's check without
# root), nor read the /proc that exercise 1.1's broken code covers on purpose; ASan and
# UBSan still run, and the stages' own tests check for leaks.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
cd "$(dirname "$0")/.." || exit 1

ex=${1:-}
shift || true
[ "${1:-}" = -- ] && shift

done_() { echo "exercise $ex: done: $*"; exit 0; }
not_yet() { echo "exercise $ex: not yet: $*"; exit 1; }
cannot() { echo "exercise $ex: $*" >&2; exit 2; }

# -U for the stages when not root, as make run-NN chooses.
U=()
[ "$(id -u)" = 0 ] || U=(-U)

# unshare(1) for the check's own throwaway namespaces: as root, as it is; as an
# ordinary user, in a user namespace of its own where it is root.
unshare_for_uid() {
  if [ "$(id -u)" = 0 ]; then unshare "$@"; else unshare --user --map-root-user "$@"; fi
}

# Whether a drop to nobody works here, as it does for the machine's root: not for an
# ordinary user, nor for root of a user namespace of one's own, where 65534 is not
# mapped and setgroups() is denied.
can_become_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; }

# Rebuild what the student may have edited, quietly; a compile error is worth showing.
make --no-print-directory -s all >/dev/null || cannot "the build failed: fix the error above, then run the check again"

case "$ex" in
  1.1) # break it: drop MS_PRIVATE, and the child's mounts stay joined to the parent's
    # A throwaway mount namespace plays the host, its / shared as systemd makes it.
    # Once the child runs its command (its / made private, or not), the host mounts a
    # tmpfs, and the child looks for it.  The mount goes with the namespace.
    d=$(mktemp -d /tmp/nslab-exercise.XXXXXX) || exit 2
    mkdir "$d/mnt"
    # shellcheck disable=SC2016 # expanded by the inner shells
    child='d=$1; : >"$d/ready"
      for _ in $(seq 200); do [ -e "$d/go" ] && break; sleep 0.05; done
      if [ -e "$d/mnt/outside" ]; then echo joined; else echo apart; fi'
    # shellcheck disable=SC2016
    out=$(unshare_for_uid --mount sh -c 'd=$1 child=$2; shift 2
      mount --make-rshared / || exit 2
      "$@" -q -- sh -c "$child" sh "$d" &
      for _ in $(seq 200); do [ -e "$d/ready" ] || ! kill -0 $! 2>/dev/null && break; sleep 0.05; done
      mount -t tmpfs nslab-exercise "$d/mnt" && : >"$d/mnt/outside"
      : >"$d/go"
      wait $!' sh "$d" "$child" 01-pid-ns/pid-ns "${U[@]}" 2>&1)
    rc=$?
    rm -rf "$d"
    case "$rc:$out" in
      0:joined)
        done_ "a tmpfs mounted outside after your child started showed up inside it: without MS_PRIVATE the child's mounts stay joined to the parent's (as root both ways, which is how the child's proc lands on the host's /proc in chapter 1; in a user namespace of your own, -U, the kernel makes the copied mounts slaves, so only mounts from outside come in). This ran in a throwaway mount namespace; your real mounts are unchanged. Put the pid1_make_private(\"/\") step back and run make."
        ;;
      0:apart)
        not_yet "a tmpfs mounted outside after your child started did not show up inside it: remove the pid1_make_private(\"/\") step from child_main in 01-pid-ns/pid-ns.c, then run this check again"
        ;;
    esac
    cannot "01-pid-ns/pid-ns did not run its command (status $rc): ${out:-no output}"
    ;;
  1.2) # a PID 1 that SIGTERM can stop
    [ $# -gt 0 ] || cannot "give the command to run as PID 1: make exercise EX=1.2 CMD='sleep 300'"
    out=$(mktemp)
    01-pid-ns/pid-ns "${U[@]}" -- "$@" >"$out" 2>&1 &
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
    out=$(unshare_for_uid --ipc sh -c 'echo "queue $(ipcmk -Q | grep -o "[0-9]*$")" && "$@" -q -- ipcs -q' \
      sh 02-ipc-mount-ns/ipc-mount-ns "${U[@]}" 2>&1)
    rc=$?
    id=$(sed -n 's/^queue \([0-9][0-9]*\)$/\1/p' <<<"$out")
    [ -n "$id" ] || cannot "ipcmk could not make a queue: $out"
    if [ "$rc" = 0 ]; then
      if [ "$(awk -v id="$id" '$1 ~ /^0x/ && $2 == id' <<<"$out" | wc -l)" = 1 ]; then
        done_ "without CLONE_NEWIPC the child shares the parent's IPC namespace: the queue made outside is listed by ipcs -q inside. Put the flag back and run make."
      fi
      not_yet "the queue made outside is not listed inside: remove CLONE_NEWIPC from the clone flags in 02-ipc-mount-ns/ipc-mount-ns.c's main, then run this check again"
    fi
    # -U: the child's user namespace owns no IPC namespace but one made with it
    if [[ $out == *"mount -t mqueue mqueue "*": Operation not permitted"* ]]; then
      done_ "without CLONE_NEWIPC the child stays in the parent's IPC namespace, which its user namespace of your own (-U) does not own, so the kernel refused it that namespace's mqueue filesystem (EPERM) before ipcs could run; as root, ipcs -q inside lists the queue made outside. Put the flag back and run make."
    fi
    cannot "02-ipc-mount-ns/ipc-mount-ns failed (status $rc): $(grep -v '^queue ' <<<"$out")"
    ;;
  3.1) # break it: setuid before setgid
    if can_become_nobody; then
      # as root: the drop to the machine's nobody, which the broken order stops
      out=$(03-user-drop/user-drop -q -- true 2>&1)
      if [[ $out == *"setgid(65534) ~ setpriv --regid=65534: Operation not permitted"* ]]; then
        done_ "setuid(65534) ran before setgid(65534): once it has run, the process has no CAP_SETGID left: setgid fails with EPERM and the program stops before the command (the article, which checks nothing, would have run bash with root's group). Put setuid back after setgid and run make."
      fi
      not_yet "the drop still works (${out:-no output}): in 03-user-drop/user-drop.c's child_main, do the setuid() step before the setgid() step, then run this check again"
    fi
    # Rootless (-U), or root of a user namespace of one's own: -U maps 65534 inside to
    # the caller, so the child is 65534 from the start and both calls work in either
    # order.  strace sees the order the kernel does.
    command -v strace >/dev/null || cannot "without the machine's root this check watches the calls with strace, which is not installed: sudo make deps"
    log=$(mktemp /tmp/nslab-exercise.XXXXXX) || exit 2
    out=$(strace -f -qq -e signal=none -e 'trace=/^set(res|re)?[ug]id(32)?$' -o "$log" \
      03-user-drop/user-drop -U -q -- true 2>&1)
    rc=$?
    first=$(awk '$2 ~ /^set(res|re)?uid/ {print "setuid"; exit} $2 ~ /^set(res|re)?gid/ {print "setgid"; exit}' "$log")
    rm -f "$log"
    if [ "$rc" != 0 ] || [ -z "$first" ]; then
      cannot "03-user-drop/user-drop -U under strace failed (status $rc): ${out:-no output}"
    fi
    if [ "$first" = setuid ]; then
      done_ "setuid(65534) ran before setgid(65534) (strace saw the child's calls in that order). In a user namespace of your own (-U) both still work: -U maps 65534 inside to you, so the child is 65534 from the start; setuid takes no capability away (no ID of it was 0) and setgid(65534) asks for the group it has already, which needs no CAP_SETGID. As root, setuid(65534) first empties the capabilities and setgid fails with EPERM. Put setuid back after setgid and run make."
    fi
    not_yet "setgid(65534) still runs before setuid(65534) (strace saw the child's calls in that order): in 03-user-drop/user-drop.c's child_main, do the setuid() step before the setgid() step, then run this check again"
    ;;
  3.2) # break it: gid_map before setgroups
    # Without CAP_SETGID over the parent namespace, which is where the rule bites: an
    # ordinary user as itself; the machine's root as its nobody, the program copied
    # where nobody can run it.
    if can_become_nobody; then
      dir=$(mktemp -d /tmp/nslab-exercise.XXXXXX) || exit 2
      chmod 755 "$dir"
      cp 01-pid-ns/pid-ns "$dir/"
      out=$(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$dir/pid-ns" -U -q -- true 2>&1)
      rc=$?
      rm -rf "$dir"
    else
      out=$(01-pid-ns/pid-ns -U -q -- true 2>&1)
      rc=$?
    fi
    if [[ $out == *"/gid_map: Operation not permitted"* ]]; then
      done_ "an unprivileged process may write gid_map only after \"deny\" is in setgroups: otherwise it could drop groups that deny it access (a file mode like 0707). The kernel refused the map with EPERM. Put the setgroups write back first and run make."
    fi
    # Root of a user namespace of one's own: setgroups() is denied there already, and
    # a new namespace inherits it, so the map goes through; the deny after it does not.
    if [[ $out == *"/setgroups: Operation not permitted"* ]]; then
      done_ "the kernel took gid_map first here, since this check runs where setgroups() is denied already (see /proc/self/setgroups) and a new user namespace inherits that, then refused the deny with EPERM: once gid_map is written, setgroups can no longer be denied. An ordinary user outside is refused the map itself. Put the setgroups write back first and run make."
    fi
    [ "$rc" = 0 ] || cannot "01-pid-ns/pid-ns -U failed (status $rc): ${out:-no output}"
    not_yet "the maps were written: in 03-user-drop/userns-maps.c's userns_write_maps, write gid_map before setgroups, then run this check again"
    ;;
  4.1) # break it: lo stays down in ns1
    lab=${NSLAB_EX_LAB:-nslab-ex41}
    o=(--host-ns "${lab}h" --ns "${lab}n" "${U[@]}")
    04-netns-veth/netns-veth -q "${o[@]}" up || cannot "up failed: run it with narration to see why"
    out=$(04-netns-veth/netns-veth -q "${o[@]}" exec -- ping -c 1 -W 1 192.168.5.10 2>&1)
    rc=$?
    04-netns-veth/netns-veth -q "${o[@]}" down
    if [ "$rc" = 0 ]; then
      not_yet "ns1 can ping its own address 192.168.5.10: remove the step that brings lo up in ns1 (narrated as ip -n ns1 link set lo up) from 04-netns-veth/netns-veth.c, then run this check again"
    fi
    # ping's status 1 is no answer; the stage's own failures name it
    if [ "$rc" != 1 ] || [[ $out == *04-netns-veth:* ]]; then
      cannot "exec of ping in ns1 failed (status $rc): ${out:-no output}"
    fi
    done_ "with lo down, ns1 cannot even ping its own address: the kernel delivers packets to a local address through lo. Put the step back and run make."
    ;;
  5.1) # break it: dnsmasq pings before it offers
    lab=${NSLAB_EX_LAB:-nslab-ex51}
    o=(--host-ns "${lab}h" --lan-ns "${lab}l" --ns "${lab}n" "${U[@]}")
    us=$(05-bridge-dhcp/bridge-dhcp -q --timing "${o[@]}" up | awk '$2 == "br0" {print $4}')
    05-bridge-dhcp/bridge-dhcp -q "${o[@]}" down
    [ -n "$us" ] || cannot "up failed: run it with narration to see why"
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
