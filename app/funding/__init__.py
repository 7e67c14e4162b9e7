"""Funding: awards, tranches, deposits through Stripe, remittances, on an append-only ledger."""
