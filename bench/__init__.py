"""Measuring at scale (docs/performance.md): `data` generates the rows (`flask bench-data`),
`load.py` drives the pages through gunicorn with wrk (`make bench`), `search_benchmark.py` times the
search queries (`make bench-search`). Never imported by the application's domains."""
