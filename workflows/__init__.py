"""Journeys, one module each, plus the SDK they are written with.

Modules here import only `temporalio` and the standard library at top level; everything
else comes through `workflow.unsafe.imports_passed_through()`.
"""
