"""Voronka's shared package: wire contracts, the pure kernel, business-free plumbing, test kit."""
