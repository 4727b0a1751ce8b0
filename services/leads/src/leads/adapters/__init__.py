"""Leads adapters, the only code that knows documents: the lead repository, roster, request log."""
