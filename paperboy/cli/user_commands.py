"""paperboy users: list accounts and promote one to admin."""

from __future__ import annotations

import argparse
from typing import Any

from paperboy.cli import context
from paperboy.cli.output import print_json


def register(commands: Any) -> None:
    users = commands.add_parser("users", help="list accounts, make an account admin")
    actions = users.add_subparsers(dest="users_command", metavar="ACTION", required=True)

    promote = actions.add_parser("promote", help="make EMAIL an admin (creating its account if new)")
    promote.add_argument("email", help="the address the person signs in with")
    promote.add_argument("--json", action="store_true", help="print the account as JSON")
    promote.set_defaults(handler=run_promote)

    listing = actions.add_parser("list", help="print every account")
    listing.add_argument("--json", action="store_true", help="print the accounts as JSON")
    listing.set_defaults(handler=run_list)


def _as_dict(user: Any) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "display_name": user.display_name,
        "role": user.role,
        "banned": user.banned,
        "created_at": user.created_at,
    }


def run_promote(args: argparse.Namespace) -> int:
    from paperboy.services.accounts import promote

    user = promote(context.database(), args.email)
    if args.json:
        print_json(_as_dict(user))
    else:
        print(f"{user.email} is now an admin")
    return 0


def run_list(args: argparse.Namespace) -> int:
    from paperboy.services.accounts import list_users

    users = list_users(context.database())
    if args.json:
        print_json([_as_dict(u) for u in users])
        return 0
    if not users:
        print("no accounts yet; people get one by signing in at /sign-in")
        return 0
    width = max(len(u.email) for u in users)
    for u in users:
        flags = " (banned)" if u.banned else ""
        print(f"{u.email.ljust(width)}  {u.role:<6}  {u.created_at:%Y-%m-%d}  {u.display_name or ''}{flags}")
    return 0
