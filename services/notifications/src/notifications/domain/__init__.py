"""Pure notifications model, aggregates and rules: no I/O, no framework."""
