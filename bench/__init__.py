"""Benchmarks for orkiestra: ingest throughput, end-to-end journeys vs bare Temporal,
track-to-inbox latency and worker memory with many journeys asleep.

Run with `python -m bench` (or `make bench`); see bench/README.md.
"""
