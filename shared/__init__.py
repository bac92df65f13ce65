"""The suite's own library: settings, database, events, auth, errors, audit, observability."""
