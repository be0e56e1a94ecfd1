"""The benchmark (bench/run.py) and its bench-only app: the write ceiling's table and view."""
