"""`manage.py bench` / `make bench`: the scenarios of BENCHMARKS.md with their baselines.

The runner (`bench.runner`) starts one child process per database, each pointed at its own bench
database (`bench_outreach` on the PostgreSQL server of DATABASE_URL, a SQLite file under
`bench-results/`), so the dev and test databases are never touched. A child seeds its database
with `seed_demo` (reused while the size, seed, seed code and migrations are unchanged), runs every
scenario against the product and against the raw-SQL, naive-DRF and per-object baselines in the
same process, and hands its figures back as JSON; the runner prints the Markdown tables and writes
both files under `bench-results/`.
"""
