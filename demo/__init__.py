"""Tools that are not the product: the demo data set (`seed_demo`, `bootstrap_demo`) and the
bench (`bench`). Nothing in the product imports this app."""
