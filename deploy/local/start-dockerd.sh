#!/bin/sh
# Starts dockerd in the background where none answers (there is no systemd here) and waits until it does; a
# dockerd already running is left as it is, and the one started here is left running for the next use.
# --iptables=false: dockerd leaves the host's firewall alone (it would set FORWARD's policy to DROP, which
# breaks network namespaces other tests make). Containers on one Compose network still reach each other over
# its bridge and published ports go through docker-proxy; only their own way out (NAT) is missing, so images
# are built on the host's network (docker-compose.local.yml, build-images.sh).
set -eu
log=${DOCKERD_LOG:-/var/log/dockerd.log}
docker info >/dev/null 2>&1 && exit 0
echo "starting dockerd (log: $log)"
nohup dockerd --iptables=false --ip6tables=false >>"$log" 2>&1 &
for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && exit 0
    sleep 1
done
echo "dockerd did not answer within 60 s; see $log" >&2
exit 1
