"""Voronka reporting service: projections built from the event stream, and a dashboard."""
