"""Shared, Temporal-free code: settings, database, tables, persistence and domain rules."""

__version__ = "0.1.0"
