"""A person's part of quality: the concerns and feedback naming one of their packages, and their erasure."""
