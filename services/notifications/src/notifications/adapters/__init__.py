"""Notifications adapters: MongoDB repositories, publishers, external clients."""
