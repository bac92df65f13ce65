#!/bin/sh
# Each file /run/secrets/NAME (a Compose secret) becomes the environment variable NAME, so that keys reach
# the services without being written in the Compose file or an image. Then runs the command.
set -e
for file in /run/secrets/*; do
    name=$(basename "$file")
    case "$name" in *[!A-Z0-9_]*) continue ;; esac
    [ -f "$file" ] || continue
    value=$(cat "$file") || { echo "cannot read the secret $name: the file must be readable by uid $(id -u)" >&2; exit 1; }
    export "$name=$value"
done
exec "$@"
