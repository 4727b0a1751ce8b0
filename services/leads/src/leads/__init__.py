"""Voronka leads service: Lead intake from every channel, dedupe, warmest-first priority, assignment and the response SLA."""
