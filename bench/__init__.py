"""Benchmarks (not tests): they print figures; run them with `make bench`."""
