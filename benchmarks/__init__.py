"""Benchmarks of papertrends against the scripts a user would write; ``python -m benchmarks.run``."""
