"""Every side effect of a journey: database reads and writes, channel providers, CRM.

Activities are methods of classes built by the worker with their dependencies, so the
same registry serves the worker and the tests.
"""
