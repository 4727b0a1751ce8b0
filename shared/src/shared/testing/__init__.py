"""Voronka's pytest plugin and helpers for tests against the real Kafka and MongoDB."""
