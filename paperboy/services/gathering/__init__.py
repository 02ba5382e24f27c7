"""Getting papers in: harvesting arXiv, importing snapshots and pages; checking, merging
and storing what sources yield."""
