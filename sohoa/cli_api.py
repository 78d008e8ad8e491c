"""The reuse service's commands: `sohoa serve`, `sohoa clients …`, `sohoa access-log`.

Registered on the main `sohoa` app by `register_api_commands` (called at the bottom of
`sohoa/cli.py`); this module never imports `sohoa.cli`, so `python -m sohoa.cli` works too.
Errors raised here become exit codes in `sohoa.cli.main`, like every other command's.
"""

from __future__ import annotations

import json
import os
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from pipeline.i18n import _
from pipeline.settings import Settings, load_settings

console = Console()
err = Console(stderr=True)

ConfigOption = Annotated[Path | None, typer.Option(
    "--config", help=_("TOML settings file (keys as in SOHOA_* variables, lower case)."))]
JsonOption = Annotated[bool, typer.Option("--json", help=_("Print JSON instead of a table."))]
clients_app = typer.Typer(name="clients", no_args_is_help=True, rich_markup_mode=None,
                          help=_("API client keys of processing systems (create, list, revoke)."))


def _worker_environment(settings: Settings, stack: ExitStack,
                        config: Path | None) -> dict[str, str]:
    """What every worker process needs to open the same services as this parent process."""
    from storage.index import migrate
    from storage.seaweed import EmbeddedS3

    env = {"SOHOA_API_MIGRATE_ON_START": "false"}
    if config is not None:
        env["SOHOA_CONFIG"] = str(config.resolve())
    if not settings.s3_endpoint:  # one embedded S3 server for all workers, stopped with us
        endpoint = stack.enter_context(EmbeddedS3(settings.data_path / "s3"))
        env.update(SOHOA_S3_ENDPOINT=endpoint.endpoint, SOHOA_S3_ACCESS_KEY=endpoint.access_key,
                   SOHOA_S3_SECRET_KEY=endpoint.secret_key, SOHOA_S3_REGION=endpoint.region)
    settings.data_path.mkdir(parents=True, exist_ok=True)
    migrate(settings.index_url)  # once, before the workers start
    return env


def serve(
    host: Annotated[str, typer.Option(help=_("Address to bind."))] = "127.0.0.1",
    port: Annotated[int, typer.Option(help=_("Port to listen on."))] = 8000,
    workers: Annotated[int, typer.Option(min=1, help=_("Worker processes."))] = 1,
    access_log: Annotated[bool, typer.Option(
        help=_("Print one line per request (the personal-data access log is kept in the index "
               "either way)."))] = True,
    config: ConfigOption = None,
) -> None:
    import uvicorn

    settings = load_settings(config)
    with ExitStack() as stack:
        os.environ.update(_worker_environment(settings, stack, config))
        err.print(_("sohoa reuse service on http://{host}:{port} ({n} worker(s)); API "
                    "description at /docs and /openapi.json").format(host=host, port=port,
                                                                     n=workers))
        uvicorn.run("sohoa.api.app:create_app", factory=True, host=host, port=port,
                    workers=workers, access_log=access_log, log_level="warning",
                    proxy_headers=False)


@clients_app.command("create", help=_(
    "Create a client and print its key ONCE (only a hash of it is kept)."))
def clients_create(
    name: Annotated[str, typer.Argument(help=_("The processing system, e.g. 'Một cửa tỉnh X'."))],
    scope: Annotated[list[str], typer.Option(
        "--scope", help=_("documents:read, reuse:write, dossiers:write or admin (repeatable)."))],
    agency: Annotated[list[str] | None, typer.Option(
        "--agency", help=_("Restrict to documents of this agency code (repeatable)."))] = None,
    rate_limit: Annotated[int | None, typer.Option(
        min=1, help=_("Requests per minute per worker (default: SOHOA_API_RATE_LIMIT_PER_MINUTE).")
    )] = None,
    as_json: JsonOption = False,
    config: ConfigOption = None,
) -> None:
    from pipeline.access import create_client
    from pipeline.services import open_index

    with open_index(load_settings(config)) as index:
        new = create_client(index, name, scopes=scope, agencies=agency or [],
                            rate_limit_per_minute=rate_limit)
    if as_json:
        print(json.dumps({"key": new.key, "client_id": new.client.id}))
        return
    console.print(f"client_id: {new.client.id}", markup=False)
    console.print(f"key:       {new.key}", markup=False)
    err.print(_("Store this key now: it is not shown again. Send it as "
                "'Authorization: Bearer <key>'."))


@clients_app.command("list", help=_(
    "List clients (ids, names, scopes, agencies, revoked or not); never the keys."))
def clients_list(as_json: JsonOption = False, config: ConfigOption = None) -> None:
    from pipeline.access import list_clients
    from pipeline.services import open_index

    with open_index(load_settings(config)) as index:
        clients = list_clients(index)
    if as_json:
        print(json.dumps([c.model_dump(mode="json", exclude={"key_sha256"}) for c in clients],
                         ensure_ascii=False, indent=2))
        return
    table = Table("client_id", "name", "key id", "scopes", "agencies", "created", "revoked")
    for c in clients:
        table.add_row(c.id, c.name, c.key_id, " ".join(c.scopes), " ".join(c.agencies) or "*",
                      f"{c.created_at:%Y-%m-%d %H:%M}",
                      f"{c.revoked_at:%Y-%m-%d %H:%M}" if c.revoked_at else "")
    console.print(table)


@clients_app.command("revoke", help=_(
    "Revoke a client's key: it is refused from then on (after SOHOA_API_AUTH_CACHE_S)."))
def clients_revoke(
    client: Annotated[str, typer.Argument(help=_("Client id, key id or (unique) name."))],
    config: ConfigOption = None,
) -> None:
    from pipeline.access import revoke_client
    from pipeline.services import open_index

    with open_index(load_settings(config)) as index:
        row = revoke_client(index, client)
    err.print(_("revoked {id} ({name})").format(id=row.id, name=row.name))


def access_log(
    owner_id: Annotated[str | None, typer.Option(help=_("Citizen id or tax code."))] = None,
    document_id: Annotated[str | None, typer.Option(help=_("Only entries about this document."))
                           ] = None,
    limit: Annotated[int, typer.Option(min=1)] = 200,
    as_json: JsonOption = False,
    config: ConfigOption = None,
) -> None:
    from pipeline.access import access_history
    from pipeline.services import open_index

    if owner_id is None and document_id is None:
        raise typer.BadParameter(_("give --owner-id or --document-id"))
    with open_index(load_settings(config)) as index:
        entries = access_history(index, owner_id=owner_id, document_id=document_id, limit=limit)
    if as_json:
        print(json.dumps([e.model_dump(mode="json") for e in entries], ensure_ascii=False,
                         indent=2))
        return
    table = Table(_("time (UTC)"), _("client"), _("action"), _("owner"), _("documents"),
                  _("dossier"), _("purpose"))
    for e in entries:
        table.add_row(f"{e.at:%Y-%m-%d %H:%M:%S}", e.client_name, e.action, e.owner_id or "",
                      " ".join(e.document_ids), e.dossier_code or "", e.purpose or "")
    console.print(table)
    if not entries:
        err.print(_("No access recorded."))


def register_api_commands(app: typer.Typer) -> None:
    app.command(help=_(
        "Run the reuse service (HTTP API, OpenAPI at /openapi.json) until interrupted."))(serve)
    app.command("access-log", help=_(
        "Who received whose documents, when and why (Decree 13/2023), newest first."))(access_log)
    app.add_typer(clients_app)
