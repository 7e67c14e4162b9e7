"""gunicorn's settings for Kakehashi (docs/deploy.md): `gunicorn -c gunicorn.conf.py wsgi:app`.

From the environment: GUNICORN_BIND (default 127.0.0.1:8000, behind the proxy), WEB_CONCURRENCY
(the workers; config.py refuses in-memory rate limits in production unless it is 1), GUNICORN_TIMEOUT,
GUNICORN_ACCESSLOG (a path, or - for stdout; no access log without it).
"""
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "sync"  # each request holds its worker: a download streams a PDF of up to 20 MB
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
# The master imports the app once (wsgi.py, which then calls gc.freeze()) and forks the workers:
# the frozen objects stay out of the collector's scans in every worker, and their pages stay shared
# (docs/performance.md, "Surprises").
preload_app = True
# One line per request costs a sync worker about a third of the home page's throughput (docs/performance.md,
# "Issue 12"); the proxy in front logs every request anyway. GUNICORN_ACCESSLOG=- writes them to stdout.
accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None
errorlog = "-"


def post_fork(server, worker):
    """Connections opened in the master (none are expected) must not be shared by the workers."""
    from app.extensions import db
    from wsgi import app

    with app.app_context():
        db.engine.dispose(close=False)
