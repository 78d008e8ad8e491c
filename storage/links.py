"""Tables linking digitized results to dossiers, and per-dossier component flags.

Same SQLModel metadata and Alembic history as `storage.index` (revision 0004). A link names a
dossier by its code only, without a foreign key: a clerk may digitize a result before the
one-stop shop's export that registers its dossier is imported.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from storage.index import utcnow

LINK_METHODS = ("explicit", "manifest")


class ResultLink(SQLModel, table=True):
    """A stored digitized result declared to be the result of a dossier (explicit link).

    Inferred links (owner id + procedure + date) are derived when a report is computed and never
    stored, so they always follow the current data.
    """

    __tablename__ = "result_links"
    __table_args__ = (sa.UniqueConstraint("dossier_code", "document_id",
                                          name="uq_result_link_dossier_document"),)

    id: int | None = Field(default=None, primary_key=True)
    dossier_code: str = Field(max_length=60, index=True)
    document_id: str = Field(foreign_key="documents.id", index=True, max_length=32)
    method: str = Field(max_length=20)  # "explicit" (--dossier-code) | "manifest" (CSV)
    linked_by: str = Field(max_length=100)
    linked_at: datetime = Field(default_factory=utcnow)


class DossierComponents(SQLModel, table=True):
    """Whether a dossier's component files were digitized (the portal's DuocSoHoa), as exported
    by the one-stop-shop system; the 4.2 indicator reads it."""

    __tablename__ = "dossier_components"

    dossier_code: str = Field(primary_key=True, max_length=60)
    components_digitized: bool
    updated_at: datetime = Field(default_factory=utcnow)
