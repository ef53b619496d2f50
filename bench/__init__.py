"""`make bench`: load figures for the portal's pages, served as in production (entry point: bench/run.py).

run composes data (the generated data), server (gunicorn), measure (wrk), inprocess (the `bench_*`
commands) and report (BENCHMARKS.md); commands, database, scenario and common serve them all.
"""
