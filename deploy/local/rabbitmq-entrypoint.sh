#!/bin/sh
# Writes the default user into rabbitmq.conf (RabbitMQ creates it on first boot), then serves.
set -eu
printf 'default_user = %s\ndefault_pass = %s\nloopback_users = none\n' \
    "$RABBITMQ_DEFAULT_USER" "$RABBITMQ_DEFAULT_PASS" > /etc/rabbitmq/rabbitmq.conf
exec rabbitmq-server
