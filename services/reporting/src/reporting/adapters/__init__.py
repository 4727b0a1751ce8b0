"""Reporting adapters: MongoDB repositories, publishers, external clients."""
