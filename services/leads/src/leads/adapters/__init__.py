"""Leads adapters: MongoDB repositories, publishers, external clients."""
