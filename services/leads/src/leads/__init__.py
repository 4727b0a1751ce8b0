"""Voronka leads service: intake, dedupe, warmest-first priority, assignment, SLA."""
