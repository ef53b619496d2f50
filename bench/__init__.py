"""`make bench`: load figures for the portal's pages, served as in production (see bench/run.py)."""
