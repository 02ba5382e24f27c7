"""paperboy users: list accounts, promote one to admin, ban or unban one, read the audit log."""

from __future__ import annotations

import argparse
from typing import Any

from paperboy.cli import context
from paperboy.cli.output import print_json


def register(commands: Any) -> None:
    users = commands.add_parser("users", help="list accounts, make an account admin, ban, audit log")
    actions = users.add_subparsers(dest="users_command", metavar="ACTION", required=True)

    promote = actions.add_parser("promote", help="make EMAIL an admin (creating its account if new)")
    promote.add_argument("email", help="the address the person signs in with")
    promote.add_argument("--json", action="store_true", help="print the account as JSON")
    promote.set_defaults(handler=run_promote)

    listing = actions.add_parser("list", help="print every account")
    listing.add_argument("--json", action="store_true", help="print the accounts as JSON")
    listing.set_defaults(handler=run_list)

    verbs = {"ban": "suspend EMAIL: end its sessions and refuse all it does", "unban": "restore EMAIL"}
    for name, verb in verbs.items():
        action = actions.add_parser(name, help=verb + " (written to the audit log)")
        action.add_argument("email", help="the address the person signs in with")
        action.add_argument("--reason", default="", help="why, for the audit log (at most 1000 characters)")
        action.add_argument("--json", action="store_true", help="print the account as JSON")
        action.set_defaults(handler=run_ban, banned=name == "ban")

    audit = actions.add_parser("audit", help="print the moderation audit log, newest first")
    audit.add_argument("--limit", type=int, default=100, help="how many actions to print (default 100)")
    audit.add_argument("--json", action="store_true", help="print the actions as JSON")
    audit.set_defaults(handler=run_audit)


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


def run_ban(args: argparse.Namespace) -> int:
    from paperboy.services.community.moderation import ban_user_by_operator

    user = ban_user_by_operator(context.database(), args.email, args.reason, banned=args.banned)
    if args.json:
        print_json(_as_dict(user))
    else:
        print(f"{user.email} is {'banned' if user.banned else 'no longer banned'}")
    return 0


def run_audit(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from paperboy.services.community.moderation import audit_log

    entries = audit_log(context.database(), limit=args.limit)
    if args.json:
        print_json([asdict(e) for e in entries])
        return 0
    if not entries:
        print("no moderation actions yet")
        return 0
    for e in entries:
        why = f"  ({e.reason})" if e.reason else ""
        print(f"{e.created_at:%Y-%m-%d %H:%M:%S}  {e.actor}  {e.action} {e.target_type} {e.target_id}{why}")
    return 0
