"""Voronka deals service: Client base, pipelines with stage gates, discounts, contracts, invoices, installments, payments, shipments and claims."""
