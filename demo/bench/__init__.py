"""`manage.py bench` / `make bench`: the list, detail, dashboard, batch and enrichment scenarios,
each with its baselines.

The runner (`demo.bench.runner`) starts one child process per database, each pointed at its own
bench database (`bench_outreach` on the PostgreSQL server of DATABASE_URL, or the database it
names when that starts with `bench_`; a SQLite file under `bench-results/`), so the dev and test
databases are never touched. A child fills its database with `seed_demo` (the data set is reused
while the size, seed, seed code and migrations are unchanged), runs every scenario against the
product and against the raw-SQL, naive-DRF and per-object baselines in the same process, and
hands its figures back as JSON; the runner prints the Markdown tables and writes both files under
`bench-results/`.
"""
