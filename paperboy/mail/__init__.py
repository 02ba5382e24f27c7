"""Mail: composing messages and delivering them over SMTP, or into an outbox folder."""

from paperboy.mail.compose import (
    MailHeader,
    MailHeaderError,
    add_header,
    compose_message,
    header_text,
    recipient,
    sender,
    sender_address,
)
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
    "MailHeader",
    "MailHeaderError",
    "MailSetupError",
    "PermanentMailError",
    "SmtpSession",
    "TransientMailError",
    "add_header",
    "compose_message",
    "deliver",
    "header_text",
    "outbox_dir",
    "recipient",
    "sender",
    "sender_address",
]
