"""Deals adapters, the only code that knows documents: mappers, repositories, read models."""
