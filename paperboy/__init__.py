"""Paperboy: a self-hostable research-paper service."""

__version__ = "0.1.0"
