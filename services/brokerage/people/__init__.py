"""A person's part of brokerage: their referrals for a subject access request, and their erasure."""
