"""Test kit: the pytest plugin, helpers for the real Kafka and MongoDB, in-memory fakes."""
