"""Engines, sessions, bulk writes, the rows bulk inserts need, and the migrations. Imports only
``common`` and ``domain``."""
