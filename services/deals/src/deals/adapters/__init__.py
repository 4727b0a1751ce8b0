"""Deals adapters: MongoDB repositories, publishers, external clients."""
