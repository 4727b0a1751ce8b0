"""Voronka's shared package: wire contracts, business-free platform plumbing, test harness."""
