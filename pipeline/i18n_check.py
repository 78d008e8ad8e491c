"""Are the catalogs complete? The messages used in the code and templates (extracted afresh with
`babel.cfg`), compared with `pipeline/locale/<lang>/LC_MESSAGES/sohoa.po`.

A problem is a msgid the code uses that a catalog lacks, an empty or fuzzy Vietnamese
translation, an English one missing where the msgid is not English, or a translation whose
`{placeholders}` differ from its msgid's. `python -m pipeline.i18n_check` prints them
(`scripts/i18n.sh` runs it); the catalog test fails on them.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pipeline.i18n import LANGUAGES, catalog_path

ROOT = Path(__file__).resolve().parent.parent
# Letters only Vietnamese uses (and đ).
_VIETNAMESE = re.compile(r"[ăâđêôơưĂÂĐÊÔƠƯàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợ"
                         r"ùúủũụừứửữựỳýỷỹỵ]", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"(?<!\{)\{([^{}]*)\}(?!\})")


@dataclass(frozen=True)
class CatalogProblem:
    lang: str
    msgid: str
    problem: str

    def __str__(self) -> str:
        return f"{self.lang}: {self.msgid!r}: {self.problem}"


_ENGLISH_WORDS = re.compile(r"\b(the|a|an|of|or|and|to|is|on|by|for|with|e\.g\.|not|no|per)(?!\w)",
                            re.IGNORECASE)


def is_vietnamese(text: str) -> bool:
    """A Vietnamese sentence, not an English one quoting a Vietnamese name ("Quảng Trị")."""
    words = text.split()
    marked = sum(1 for w in words if _VIETNAMESE.search(w))
    if not marked:
        return False
    share = marked / len(words)
    return share > 0.6 or (share >= 0.5 and not _ENGLISH_WORDS.search(text))


def placeholders(text: str) -> set[str]:
    """`{path}`, `{limit:,.0f}` → {"path", "limit"}: the names a translation must keep."""
    return {re.split(r"[:!]", name, maxsplit=1)[0] for name in _PLACEHOLDER.findall(text)}


def used_msgids(root: Path = ROOT) -> set[str | tuple[str, str]]:
    """Every msgid (a (singular, plural) pair for ngettext) in the code and the templates."""
    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    with (root / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    found: set[str | tuple[str, str]] = set()
    for _path, _line, message, _comments, _context in extract_from_dir(
            str(root), method_map, options_map, keywords=DEFAULT_KEYWORDS):
        if isinstance(message, tuple):
            found.add((message[0], message[1]))
        elif message:
            found.add(message)
    return found


def catalog_problems(used: Iterable[str | tuple[str, str]],
                     languages: Iterable[str] = LANGUAGES,
                     locale_dir: Path | None = None) -> list[CatalogProblem]:
    from babel.messages.pofile import read_po

    problems: list[CatalogProblem] = []
    used = list(used)
    for lang in languages:
        path = catalog_path(lang) if locale_dir is None else (
            locale_dir / lang / "LC_MESSAGES" / "sohoa.po")
        if not path.is_file():
            problems.append(CatalogProblem(lang, "", f"no catalog at {path}"))
            continue
        with path.open("rb") as fh:
            catalog = read_po(fh, locale=lang)
        for msgid in used:
            problems.extend(_message_problems(lang, catalog, msgid))
    return problems


def _message_problems(lang: str, catalog: object, msgid: str | tuple[str, str]
                      ) -> list[CatalogProblem]:
    key = msgid[0] if isinstance(msgid, tuple) else msgid
    texts = msgid if isinstance(msgid, tuple) else (msgid,)
    message = catalog.get(key)  # type: ignore[attr-defined]
    needs = lang == "vi" or any(is_vietnamese(t) for t in texts)
    if message is None:
        return [CatalogProblem(lang, key, "not in the catalog (run scripts/i18n.sh)")]
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    if not any(strings):
        return [CatalogProblem(lang, key, "not translated")] if needs else []
    if message.fuzzy:
        return [CatalogProblem(lang, key, "fuzzy: check the translation, then remove the "
                                          "'#, fuzzy' line")]
    wanted = set().union(*(placeholders(t) for t in texts))
    found = [CatalogProblem(lang, key, f"translation {s!r} has placeholders "
                                       f"{sorted(placeholders(s))}, the msgid {sorted(wanted)}")
             for s in strings if s and placeholders(s) != wanted]
    if not all(strings) and needs:
        found.append(CatalogProblem(lang, key, "a plural form is not translated"))
    return found


def main() -> int:
    problems = catalog_problems(used_msgids())
    for problem in problems:
        print(problem)
    print(f"{len(problems)} catalog problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
