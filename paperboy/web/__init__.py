"""The web interface: HTML pages, a JSON API and Atom feeds over the services."""

from paperboy.web.app import create_app

__all__ = ["create_app"]
