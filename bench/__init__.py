"""Measuring search at scale (docs/performance.md): `data` generates the rows (`flask bench-data`),
`search_benchmark.py` times the queries (`make bench`). Never imported by the application's domains."""
