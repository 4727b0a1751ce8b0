"""Reporting tests; this folder is on `sys.path`, so both suites import `reporting_events`."""
