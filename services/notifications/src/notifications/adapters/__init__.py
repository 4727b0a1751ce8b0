"""Notifications adapters: delivery, recipient and webhook stores, and the channels (SMTP, HTTP)."""
