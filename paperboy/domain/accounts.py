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
        """What pages call this person: the display name, else the address's local part."""
        return self.display_name or self.email.split("@", 1)[0]
