"""A reader's library: saved papers, collections, follows, imports and exports, and "for you"."""
