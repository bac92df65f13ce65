#!/bin/sh
# Makes, without any image registry, the images docker-compose.local.yml uses: a Debian base from Debian's
# mirror (debootstrap), then Python, PostgreSQL and RabbitMQ on it from Debian's packages. Needs root and a
# running dockerd (start-dockerd.sh); installs debootstrap with apt when missing. Images already there are
# kept (REBUILD=1 makes them again): the base alone takes minutes.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
suite=${SUITE_RELEASE:-bookworm}

missing() { [ "${REBUILD:-0}" = 1 ] || ! docker image inspect "$1" >/dev/null 2>&1; }

if missing homecare-local/debian; then
    command -v debootstrap >/dev/null 2>&1 || {
        apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap; }
    root=$(mktemp -d)
    trap 'rm -rf "$root"' EXIT
    debootstrap --variant=minbase "$suite" "$root"
    # Certificate authorities this host added (a proxy's, say) are trusted inside the images too, so that
    # pip reaches PyPI from them as it does from the host.
    if [ -d /usr/local/share/ca-certificates ]; then
        cp -r /usr/local/share/ca-certificates/. "$root/usr/local/share/ca-certificates/"
    fi
    tar -C "$root" -c . | docker import - homecare-local/debian
fi
for image in python postgres rabbitmq; do
    if missing "homecare-local/$image"; then
        docker build --network host -t "homecare-local/$image" -f "$here/$image.Dockerfile" "$here"
    fi
done
