"""The published language between services: shared enumerations and every event's payload.

A service publishes only events defined here and consumes them by these models, never by importing
another service's code. Changing a payload's meaning needs a new versioned event type.
"""
