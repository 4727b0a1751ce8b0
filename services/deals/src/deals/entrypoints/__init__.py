"""Deals entry points: HTTP routes and Kafka subscribers that call the service layer."""
