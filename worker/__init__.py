"""The worker entry point and the one registry of workflows and activities."""
