"""Dagster objects, one module per role; ``pipelines.definitions`` assembles them."""
