"""Reporting use cases over ports (Protocols); the only place that orchestrates side effects."""
