"""The mails that are not digests: a sign-in link, a subscription's confirmation, and the
note sent instead of a second confirmation. Plain text from Jinja2 templates in
`paperboy/mail/templates/`, one per mail; the digests are `paperboy/digest/`'s."""

from __future__ import annotations

from email.message import EmailMessage

from jinja2 import Environment, PackageLoader, StrictUndefined

from paperboy.config import Settings
from paperboy.mail.compose import compose_message

_templates = Environment(
    loader=PackageLoader("paperboy.mail", "templates"),
    autoescape=False,  # plain text only
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def sign_in_message(settings: Settings, to: str, sign_in_url: str, minutes: int) -> EmailMessage:
    """A single-use sign-in link, valid for `minutes`."""
    body = _templates.get_template("sign_in.txt").render(sign_in_url=sign_in_url, minutes=minutes)
    return compose_message(settings.mail_from, to, "Your Paperboy sign-in link", body)


def confirmation_message(
    settings: Settings, to: str, description: str, confirm_url: str, days: int
) -> EmailMessage:
    """The double opt-in mail: the only mail an unconfirmed address ever gets."""
    body = _templates.get_template("confirm.txt").render(
        description=description, confirm_url=confirm_url, days=days
    )
    return compose_message(settings.mail_from, to, f"Confirm your Paperboy subscription: {description}", body)


def already_subscribed_message(
    settings: Settings, to: str, description: str, manage_url: str
) -> EmailMessage:
    """Sent instead of a second confirmation when the address already has this subscription."""
    body = _templates.get_template("already_subscribed.txt").render(
        description=description, manage_url=manage_url
    )
    return compose_message(settings.mail_from, to, f"You already get this from Paperboy: {description}", body)
