"""Load the demo data set: idempotent upserts keyed by stable identifiers.

A system script, not a user action: it writes models directly instead of going
through the services (which check a signed-in user's permissions), but every row
is validated with ``full_clean`` so the demo obeys the same rules as real data, and
search documents are built by the same indexer. A row whose fields already hold the
demo values is not saved again, so a second run writes nothing.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from corridor.accounts.models import AuthorityStaff, OrganisationMembership
from corridor.core.text import detect_language

from ..models import Authority, Organisation, Sector, Zone
from ..search import OrganisationIndexer
from ..services import unique_slug

DATA_DIR = Path(__file__).resolve().parent / "data"
PASSWORD_ENV = "CORRIDOR_DEMO_PASSWORD"  # noqa: S105 - the name of the variable
# Printed by `corridor demo`; only for the demo accounts of a local installation.
DEFAULT_PASSWORD = "corridor-demo"  # noqa: S105


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str  # a lazily translated label
    language: str
    first_name: str
    last_name: str
    superuser: bool = False
    authority: str = ""  # authority code for authority staff
    organisation: str = ""  # organisation slug for organisation admins and members
    membership_role: str = ""


ADMIN, MEMBER = OrganisationMembership.Role.ADMIN, OrganisationMembership.Role.MEMBER
DEMO_USERS = [
    DemoUser("admin", _("platform admin"), "en", "Platform", "Admin", superuser=True),
    DemoUser("staff.stza", _("authority staff"), "en", "Ayesha", "Khan", authority="stza"),
    DemoUser("staff.zgc", _("authority staff"), "zh-hans", "Wei", "Zhang", authority="zgc"),
    DemoUser("orgadmin.pk", _("organisation admin"), "en", "Bilal", "Ahmed",
             organisation="indus-robotics", membership_role=ADMIN),
    DemoUser("member.pk", _("organisation member"), "ur", "Sana", "Malik",
             organisation="indus-robotics", membership_role=MEMBER),
    DemoUser("orgadmin.cn", _("organisation admin"), "zh-hans", "Fang", "Li",
             organisation="xingxin-microelectronics", membership_role=ADMIN),
    DemoUser("member.cn", _("organisation member"), "zh-hans", "Jie", "Wang",
             organisation="xingxin-microelectronics", membership_role=MEMBER),
    DemoUser("applicant", _("applicant"), "en", "Hamza", "Iqbal"),
]  # fmt: skip


@dataclass
class DemoResult:
    """What the loader wrote: counts per model, and the demo logins."""

    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    # username, role, language, and the authority or organisation the role is held in
    logins: list[tuple[str, str, str, str]] = field(default_factory=list)
    password: str = ""

    @property
    def changed(self) -> bool:
        return bool(sum(self.created.values()) or sum(self.updated.values()))


def demo_password() -> str:
    return os.environ.get(PASSWORD_ENV) or DEFAULT_PASSWORD


def _read(name: str):
    with open(DATA_DIR / name, encoding="utf-8") as handle:
        return json.load(handle)


def _differs(current, new) -> bool:
    if hasattr(current, "code") and not hasattr(new, "code"):  # a django-countries Country
        current = current.code
    return current != new


def _upsert(
    model, lookup: dict, fields: dict, result: DemoResult, *, create_only: dict | None = None
):
    """Validate and save ``model(**lookup)`` with ``fields`` unless it already holds them."""
    obj = model.objects.filter(**lookup).first()
    created = obj is None
    if created:
        obj = model(**lookup, **(create_only or {}))
    changed = created or any(_differs(getattr(obj, k), v) for k, v in fields.items())
    if changed:
        for key, value in fields.items():
            setattr(obj, key, value)
        try:
            obj.full_clean()
        except ValidationError as error:
            where = ", ".join(f"{k}={v}" for k, v in lookup.items())
            raise ValueError(f"{model.__name__} {where}: {error.message_dict}") from error
        obj.save()
        (result.created if created else result.updated)[model.__name__] += 1
    return obj


def _lookup(table: dict, key: str, what: str, where: str):
    if key not in table:
        raise ValueError(f"{where}: unknown {what} {key!r}")
    return table[key]


def _set_m2m(manager, ids: set[int], result: DemoResult, label: str) -> None:
    current = set(manager.values_list("pk", flat=True))
    if current != ids:
        manager.set(ids)
        (result.updated if current else result.created)[label] += 1


def _sector_ids(codes: list[str], sectors: dict[str, int], where: str) -> set[int]:
    unknown = sorted(set(codes) - set(sectors))
    if unknown:
        raise ValueError(f"{where}: unknown sector codes {', '.join(unknown)}")
    return {sectors[c] for c in codes}


def _load_authorities(result: DemoResult) -> dict[str, Authority]:
    authorities = {}
    for row in _read("zones.json")["authorities"]:
        fields = {k: row[k] for k in ("country", "name_en", "name_zh_hans", "name_ur", "website")}
        authorities[row["code"]] = _upsert(Authority, {"code": row["code"]}, fields, result)
    return authorities


def _load_zones(authorities, sectors, result: DemoResult) -> dict[str, Zone]:
    zones: dict[str, Zone] = {}
    for row in _read("zones.json")["zones"]:  # parents are listed before their parks
        where = f"zone {row['slug']}"
        area = row.get("area_km2")
        fields = {
            "kind": row["kind"],
            "parent": _lookup(zones, row["parent"], "parent zone", where)
            if row.get("parent")
            else None,
            "authority": _lookup(authorities, row["authority"], "authority", where),
            "country": row["country"],
            "city": row.get("city", ""),
            "area_km2": Decimal(area) if area is not None else None,
            "year_founded": row.get("year_founded"),
            "website": row.get("website", ""),
            "name_en": row["name_en"],
            "name_zh_hans": row.get("name_zh_hans", ""),
            "name_ur": row.get("name_ur", ""),
            "description": row["description"],
            "description_language": row.get("description_language")
            or detect_language(row["description"]),
            "is_demo": True,
        }
        zone = _upsert(Zone, {"slug": row["slug"]}, fields, result)
        _set_m2m(
            zone.focus_sectors,
            _sector_ids(row.get("focus_sectors", []), sectors, f"zone {row['slug']}"),
            result,
            "Zone.focus_sectors",
        )
        zones[row["slug"]] = zone
    return zones


def _ror_names(record: dict) -> dict[str, str]:
    """English display name and the Chinese and Urdu labels of a ROR v2 record."""

    def clean(value: str) -> str:
        return value.replace("\u200e", "").replace("\u200f", "").strip().rstrip(".").strip()

    names = {"name_en": "", "name_zh_hans": "", "name_ur": ""}
    for name in record.get("names", []):
        if "ror_display" in name.get("types", []):
            names["name_en"] = clean(name["value"])
        elif name.get("lang") == "zh" and not names["name_zh_hans"]:
            names["name_zh_hans"] = clean(name["value"])
        elif name.get("lang") == "ur" and not names["name_ur"]:
            names["name_ur"] = clean(name["value"])
    return names


def _ror_rows() -> list[dict]:
    records = {r["id"].rsplit("/", 1)[-1]: r for r in _read("ror_records.json")}
    rows = []
    for extra in _read("organisations_ror.json"):
        record = records[extra["ror_id"]]
        place = record["locations"][0]["geonames_details"]
        website = next((x["value"] for x in record.get("links", []) if x["type"] == "website"), "")
        names = _ror_names(record)
        for key in ("name_en", "name_zh_hans", "name_ur", "website"):
            if extra.get(key):  # a hand correction of what the registry holds
                names[key] = extra[key]
        row = {
            "country": place["country_code"],
            "city": place["name"],
            "website": website,
            **names,
            **{k: v for k, v in extra.items() if k not in names},
        }
        rows.append(row)
    return rows


def _organisation_fields(row: dict, zones: dict[str, Zone]) -> dict:
    country = row["country"]
    # The name as the organisation itself writes it: Chinese for Chinese organisations.
    name = row.get("name") or (
        row.get("name_zh_hans") if country == "CN" and row.get("name_zh_hans") else row["name_en"]
    )
    where = f"organisation {row.get('slug') or row.get('ror_id')}"
    zone = _lookup(zones, row["zone"], "zone", where) if row.get("zone") else None
    return {
        "kind": row["kind"],
        "name": name,
        "name_en": row.get("name_en", ""),
        "name_zh_hans": row.get("name_zh_hans", ""),
        "name_ur": row.get("name_ur", ""),
        "country": country,
        "city": row.get("city") or (zone.city if zone else ""),
        "zone": zone,
        "size": row.get("size", ""),
        "year_founded": row.get("year_founded"),
        "website": row.get("website", ""),
        "description": row["description"],
        "description_language": row.get("description_language")
        or detect_language(row["description"]),
        "is_active": True,
    }


def _load_organisations(zones, sectors, result: DemoResult) -> dict[str, Organisation]:
    indexer = OrganisationIndexer()
    organisations: dict[str, Organisation] = {}
    rows = [
        *(("slug", {"country": "CN", **r}) for r in _read("organisations_cn.json")),
        *(("slug", {"country": "PK", **r}) for r in _read("organisations_pk.json")),
        *(("ror_id", r) for r in _ror_rows()),
    ]
    for key, row in rows:
        fields = _organisation_fields(row, zones)
        sector_ids = _sector_ids(row["sectors"], sectors, f"organisation {row.get(key)}")
        # The document needs only the fields and the sectors (in the taxonomy's order, as
        # organisation_document() takes them), so it is built before saving and an
        # unchanged organisation is not written at all.
        ordered = [pk for pk in sectors.values() if pk in sector_ids]
        fields["search_document"] = indexer.document(Organisation(**fields), ordered)
        if key == "slug":
            fields["is_demo"] = True
            create_only = None
        else:
            # A research organisation may already be in the registry (imported from ROR);
            # then it keeps its identifier and is not relabelled as demo data.
            create_only = {
                "slug": unique_slug(Organisation, fields["name_en"]),
                "is_demo": True,
            }
        organisation = _upsert(
            Organisation, {key: row[key]}, fields, result, create_only=create_only
        )
        _set_m2m(organisation.sectors, sector_ids, result, "Organisation.sectors")
        organisations[organisation.slug] = organisation
    return organisations


def _load_users(password: str, authorities, organisations, result: DemoResult) -> None:
    User = get_user_model()
    for spec in DEMO_USERS:
        fields = {
            "first_name": spec.first_name,
            "last_name": spec.last_name,
            "email": f"{spec.username}@demo.corridor.invalid",
            "language": spec.language,
            "is_active": True,
            "is_superuser": spec.superuser,
            # Authority staff keep the registry through the admin as well.
            "is_staff": spec.superuser or bool(spec.authority),
        }
        user = User.objects.filter(username=spec.username).first()
        created = user is None
        if created:
            user = User(username=spec.username)
        changed = created or any(_differs(getattr(user, k), v) for k, v in fields.items())
        # check_password first: hashing anew on every run would rewrite every row.
        if created or not user.check_password(password):
            user.set_password(password)
            changed = True
        if changed:
            for key, value in fields.items():
                setattr(user, key, value)
            user.full_clean()
            user.save()
            (result.created if created else result.updated)["User"] += 1
        if spec.authority:
            _staff, made = AuthorityStaff.objects.get_or_create(
                user=user, authority=authorities[spec.authority]
            )
            result.created["AuthorityStaff"] += int(made)
        if spec.organisation:
            membership, made = OrganisationMembership.objects.get_or_create(
                user=user,
                organisation=organisations[spec.organisation],
                defaults={"role": spec.membership_role},
            )
            if made:
                result.created["OrganisationMembership"] += 1
            elif membership.role != spec.membership_role:
                membership.role = spec.membership_role
                membership.save(update_fields=["role", "updated_at"])
                result.updated["OrganisationMembership"] += 1
        where = ""
        if spec.authority:
            where = authorities[spec.authority].name
        elif spec.organisation:
            where = organisations[spec.organisation].display_name
        result.logins.append((spec.username, str(spec.role), spec.language, where))


def load_demo(*, password: str | None = None) -> DemoResult:
    """Upsert the whole demo data set in one transaction and return what changed."""
    result = DemoResult(password=password or demo_password())
    sectors = dict(Sector.objects.order_by(*Sector._meta.ordering).values_list("code", "pk"))
    with transaction.atomic():
        authorities = _load_authorities(result)
        zones = _load_zones(authorities, sectors, result)
        organisations = _load_organisations(zones, sectors, result)
        _load_users(result.password, authorities, organisations, result)
    return result
