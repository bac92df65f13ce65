"""Subject access requests and the erasure report, gathered from every service that holds something."""
