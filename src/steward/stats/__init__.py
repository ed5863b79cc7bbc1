"""Statistics over tabular data: fingerprints, signatures and drift. Free of pandas and polars."""
