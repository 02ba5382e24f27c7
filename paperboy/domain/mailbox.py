"""The inbox an email address reaches, for counting mail per inbox; never used to send.

Rate limits on sign-in and confirmation mail count per inbox, not per spelling: otherwise
victim+1@example.org, victim+2@example.org ... would each get a fresh allowance and all
land in one inbox.
"""

from __future__ import annotations

# Google documents that Gmail ignores dots in the local part (first.last@gmail.com and
# firstlast@gmail.com are one inbox) and that googlemail.com is the same service. Other
# providers treat dots as part of the name (first.last@ and firstlast@ can be two people),
# so folding dots everywhere would let one reader use up another's allowance.
_DOTS_IGNORED = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}


def mailbox(address: str) -> str:
    """address as the inbox it reaches: lower-cased, without a +tag, and for Gmail without dots."""
    text = address.strip().lower()
    local, at, domain = text.rpartition("@")
    if not at or not local:
        return text
    # "+" is the sub-address separator of Gmail, Outlook, Fastmail, iCloud and Postfix's default.
    local = local.split("+", 1)[0] or local
    if domain in _DOTS_IGNORED:
        domain = _DOTS_IGNORED[domain]
        local = local.replace(".", "") or local
    return f"{local}@{domain}"
