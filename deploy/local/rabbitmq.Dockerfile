# RabbitMQ from Debian's packages, its default user from the official image's variables
# (RABBITMQ_DEFAULT_USER, RABBITMQ_DEFAULT_PASS).
FROM homecare-local/debian
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends rabbitmq-server \
    && rm -rf /var/lib/apt/lists/* \
    && chown -R rabbitmq:rabbitmq /etc/rabbitmq /var/lib/rabbitmq
COPY rabbitmq-entrypoint.sh /usr/local/bin/rabbitmq-entrypoint
USER rabbitmq
ENV HOME=/var/lib/rabbitmq
EXPOSE 5672
CMD ["rabbitmq-entrypoint"]
