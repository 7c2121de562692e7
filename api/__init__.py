"""FastAPI app: Segment-compatible ingest, admin API, health. Thin routes."""
