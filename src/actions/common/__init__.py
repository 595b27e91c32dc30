"""Helpers with no domain knowledge: errors, settings, dates, logs, redaction, tabular files,
templating. Imports nothing else of the product (tests/test_layers.py)."""
