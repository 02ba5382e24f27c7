"""Mail: composing messages and delivering them over SMTP, or into an outbox folder."""

from paperboy.mail.compose import MailHeaderError, compose_message
from paperboy.mail.deliver import (
    MailDeliveryError,
    MailSetupError,
    PermanentMailError,
    SmtpSession,
    TransientMailError,
    deliver,
    outbox_dir,
)

__all__ = [
    "MailDeliveryError",
    "MailHeaderError",
    "MailSetupError",
    "PermanentMailError",
    "SmtpSession",
    "TransientMailError",
    "compose_message",
    "deliver",
    "outbox_dir",
]
