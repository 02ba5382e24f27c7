"""The one base class of errors a person can act on.

An error deriving from `UserFacingError` says what is wrong and where in words meant
for the person who asked (a bad option, an unreadable file, a store that is not
migrated). Interfaces show its message as it is: the CLI prints one line, the web
answers 400. Anything else that escapes is a bug and keeps its traceback.
"""

from __future__ import annotations


class UserFacingError(Exception):
    """A refusal or failure whose message is meant for the person who asked."""


class InvalidRequest(UserFacingError, ValueError):
    """A value a person gave (an option, a parameter) is outside what is accepted.

    Also a ValueError, so callers that validate with `except ValueError` keep working."""
