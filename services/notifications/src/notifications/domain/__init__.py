"""Pure notifications model and rules: standard library only, no I/O, no framework."""
