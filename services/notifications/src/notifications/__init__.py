"""Voronka notifications service: E-mail, SMS, messenger and signed webhooks from events: each reminder exactly once, never too many."""
