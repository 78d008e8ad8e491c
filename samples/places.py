"""Real administrative units after 1 July 2025 (34 provinces, 3,321 communes) from the
`vietnam-provinces` package, so that synthetic documents name communes that exist in their
province rather than entries of a hand-written list."""

from __future__ import annotations

import random
from functools import cache

from vietnam_provinces import Province as UnitProvince
from vietnam_provinces import Ward

from samples.data import Province


def _bare(name: str) -> str:
    return name.removeprefix("Thành phố ").removeprefix("Tỉnh ")


@cache
def province_names() -> tuple[str, ...]:
    """The 34 provinces and cities as written after "tỉnh"/"thành phố" ("Hà Nội", "Huế")."""
    return tuple(_bare(p.name) for p in UnitProvince.iter_all())


@cache
def wards(province: str) -> tuple[tuple[str, str], ...]:
    """(kind, name) of every commune-level unit of a current province: ("xã", "Phú Cát")."""
    for p in UnitProvince.iter_all():
        if _bare(p.name) == province:
            out = []
            for w in Ward.iter_by_province(p.code):
                kind = w.division_type.value
                out.append((kind, w.name[len(kind):].strip()))
            return tuple(out)
    raise KeyError(f"{province!r} is not a current province")


def ward_label(rng: random.Random, province: Province) -> tuple[str, str]:
    """A real commune, ward or special zone of `province`: ("phường", "Đông Hà")."""
    return rng.choice(wards(province.name))
