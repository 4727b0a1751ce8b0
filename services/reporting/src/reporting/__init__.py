"""Voronka reporting service: Projections built from the event stream: funnel, sales KPIs, manager activity, receivables, segments."""
