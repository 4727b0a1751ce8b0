"""Business-free plumbing every service stands on: Kafka consumers, repository, outbox, HTTP."""
