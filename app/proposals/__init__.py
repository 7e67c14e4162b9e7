"""Proposals: a venture's answer to a challenge."""
