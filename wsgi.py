import gc

from app import create_app

app = create_app()
# Everything loaded so far lives as long as the process: keep it out of the garbage collector's
# scans, which otherwise add 100-200 ms pauses to requests (measured in docs/performance.md).
gc.freeze()
