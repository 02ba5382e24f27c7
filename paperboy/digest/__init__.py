"""Digest mail: what an edition says (papers chosen by services) turned into messages."""
