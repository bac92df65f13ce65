"""Events between services: envelope, outbox, inbox, transports, relay and consumer."""
