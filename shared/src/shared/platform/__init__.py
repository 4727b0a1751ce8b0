"""Business-free plumbing every service stands on: logging, settings, Kafka, MongoDB, outbox."""
