"""Search: the query syntax (more services arrive here later)."""

from paperboy.search.query import MAX_QUERY_CHARS, ParsedQuery, QuerySyntaxError, parse_query, query_text

__all__ = ["MAX_QUERY_CHARS", "ParsedQuery", "QuerySyntaxError", "parse_query", "query_text"]
