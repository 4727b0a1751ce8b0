"""Voronka notifications service: e-mail, SMS, messenger, webhooks; never too many."""
