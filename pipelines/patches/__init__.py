"""Workarounds for upstream bugs, one module each.

Each module names the upstream issue it works around and what to do once it is fixed, and has
a canary in ``tests/integration/test_patches.py``: a test that runs the unpatched upstream code and asserts
the bug is still there, so it fails the day upstream fixes it (then remove the patch), beside a
test that the patched behaviour works. Patches import only upstream packages, nothing of ours.
"""
