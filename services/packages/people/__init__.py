"""A person's part of packages: their record for a subject access request, and its erasure past retention."""
