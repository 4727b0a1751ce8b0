"""Reporting adapters, the only code that knows documents: fact log, versions, records, segments."""
