"""`sohoa users …`: the people who log in to the web pages (auditors, clerks, admins).

Registered on the main `sohoa` app by `register_web_commands` (called at the bottom of
`sohoa/cli.py`); errors become exit codes in `sohoa.cli.main`, like every other command's.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from pipeline.i18n import _
from pipeline.settings import load_settings

console = Console()
err = Console(stderr=True)

ConfigOption = Annotated[Path | None, typer.Option(
    "--config", help=_("TOML settings file (keys as in SOHOA_* variables, lower case)."))]
users_app = typer.Typer(name="users", no_args_is_help=True, rich_markup_mode=None,
                        help=_("People who log in to the web pages at /ui/ (create, list, "
                               "password, disable)."))


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password: str = typer.prompt(_("Password"), hide_input=True, confirmation_prompt=True)
    return password


@users_app.command("create", help=_(
    "Create a user; the password is prompted (twice) and kept only as an Argon2 hash."))
def users_create(
    name: Annotated[str, typer.Argument(help=_("Login name, e.g. nguyenvana."))],
    role: Annotated[str, typer.Option(
        help=_("auditor (KPIs, search, verification), clerk (review queue, batches, search) "
               "or admin (everything)."))],
    password_stdin: Annotated[bool, typer.Option(
        "--password-stdin", help=_("Read the password from the first line of standard input "
                                   "instead of prompting."))] = False,
    config: ConfigOption = None,
) -> None:
    from pipeline.services import open_index
    from pipeline.users import ROLES, create_user

    if role not in ROLES:
        raise typer.BadParameter(_("use one of {roles}").format(roles=", ".join(ROLES)),
                                 param_hint="--role")
    password = _read_password(password_stdin)
    with open_index(load_settings(config)) as index:
        user = create_user(index, name, role=role, password=password)
    err.print(_("created {name} ({role}); log in at /ui/login on `sohoa serve`")
              .format(name=user.name, role=user.role))


@users_app.command("list", help=_(
    "List users with their role; never the password hashes."))
def users_list(
    as_json: Annotated[bool, typer.Option("--json", help=_("Print JSON instead of a table."))
                       ] = False,
    config: ConfigOption = None,
) -> None:
    from pipeline.services import open_index
    from pipeline.users import list_users

    with open_index(load_settings(config)) as index:
        users = list_users(index)
    if as_json:
        print(json.dumps([u.model_dump(mode="json", exclude={"password_hash"}) for u in users],
                         ensure_ascii=False, indent=2))
        return
    table = Table(_("name"), _("role"), _("created"), _("disabled"))
    for u in users:
        table.add_row(u.name, u.role, f"{u.created_at:%Y-%m-%d %H:%M}",
                      f"{u.disabled_at:%Y-%m-%d %H:%M}" if u.disabled_at else "")
    console.print(table)


@users_app.command("password", help=_(
    "Set a new password; the user's open sessions end."))
def users_password(
    name: Annotated[str, typer.Argument(help=_("Login name."))],
    password_stdin: Annotated[bool, typer.Option("--password-stdin")] = False,
    config: ConfigOption = None,
) -> None:
    from pipeline.services import open_index
    from pipeline.users import set_password

    password = _read_password(password_stdin)
    with open_index(load_settings(config)) as index:
        set_password(index, name, password)
    err.print(_("password of {name} changed; their sessions ended").format(name=name))


@users_app.command("disable", help=_(
    "Stop a user from logging in; their open sessions end at once."))
def users_disable(name: Annotated[str, typer.Argument(help=_("Login name."))],
                  config: ConfigOption = None) -> None:
    from pipeline.services import open_index
    from pipeline.users import disable_user

    with open_index(load_settings(config)) as index:
        disable_user(index, name)
    err.print(_("{name} can no longer log in").format(name=name))


def register_web_commands(app: typer.Typer) -> None:
    app.add_typer(users_app)
