"""Pure leads model: aggregates and business rules; no I/O, no framework."""
