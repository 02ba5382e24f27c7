"""Finding papers: keyword, semantic and hybrid search, the indexes behind it, and judging it."""
