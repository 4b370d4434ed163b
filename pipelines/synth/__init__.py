"""Synthetic "Daily Papers" dumps for the demo, tests and benchmarks (``papertrends synth``).

``generator`` writes dumps in the real text format that the parser (``pipelines.dumps``) reads.
"""
