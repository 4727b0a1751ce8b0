"""Voronka deals service: clients, pipelines with stage gates, invoices and payments."""
