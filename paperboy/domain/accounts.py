"""A person with an account, as every layer sees them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class User:
    """A person with an account. email is lower-cased; display_name may be unset."""

    id: int
    email: str
    display_name: str | None
    role: str
    created_at: datetime
    banned: bool

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def shown_name(self) -> str:
        return shown_name(self.display_name, self.email)


def shown_name(display_name: str | None, email: str) -> str:
    """What pages call a person: the display name, else the address's local part."""
    return display_name or email.split("@", 1)[0]
