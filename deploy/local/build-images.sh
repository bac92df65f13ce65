#!/bin/sh
# Makes, without any image registry, the images docker-compose.local.yml uses: a Debian base from Debian's
# mirror (debootstrap), then Python, PostgreSQL and RabbitMQ on it from Debian's packages. Needs root,
# debootstrap and a running dockerd. Images already there are kept (REBUILD=1 makes them again).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
suite=${SUITE_RELEASE:-bookworm}

missing() { [ "${REBUILD:-0}" = 1 ] || ! docker image inspect "$1" >/dev/null 2>&1; }

if missing homecare-local/debian; then
    root=$(mktemp -d)
    trap 'rm -rf "$root"' EXIT
    debootstrap --variant=minbase "$suite" "$root"
    tar -C "$root" -c . | docker import - homecare-local/debian
fi
for image in python postgres rabbitmq; do
    if missing "homecare-local/$image"; then
        docker build -t "homecare-local/$image" -f "$here/$image.Dockerfile" "$here"
    fi
done
