"""Reporting entry points: Kafka subscribers, HTTP routers, command-line tools."""
