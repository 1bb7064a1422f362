"""How an import tells people what it found: a table of problems and a line of counts."""

from __future__ import annotations

from django.utils.translation import gettext as _

from .rows import ImportResult, Problem

MAX_MESSAGE = 200


def problem_table(problems: list[Problem], *, source: str, row_label: str) -> str:
    """Problems as aligned columns: row, field, problem."""
    headers = (row_label, _("field"), _("problem"))
    cells = [(str(p.row) if p.row else "-", p.field or "-", _shorten(p.message)) for p in problems]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers[:2])]
    lines = [
        _("%(count)s problem(s) in %(source)s:") % {"count": len(problems), "source": source},
        f"  {headers[0]:<{widths[0]}}  {headers[1]:<{widths[1]}}  {headers[2]}",
        f"  {'-' * widths[0]}  {'-' * widths[1]}  {'-' * len(headers[2])}",
    ]
    lines += [f"  {r:<{widths[0]}}  {f:<{widths[1]}}  {m}" for r, f, m in cells]
    return "\n".join(lines)


def _shorten(message: str) -> str:
    message = " ".join(message.split())
    return message if len(message) <= MAX_MESSAGE else message[: MAX_MESSAGE - 1] + "…"


def summary(result: ImportResult, *, seconds: float) -> str:
    what = {"organisations": _("Organisations"), "zones": _("Zones")}.get(result.what, result.what)
    text = _(
        "%(what)s: %(rows)s rows: %(created)s created, %(updated)s updated, "
        "%(unchanged)s unchanged, %(invalid)s invalid (%(seconds).1f s)."
    ) % {"what": what, "seconds": seconds, **result.counts()}
    if result.dry_run:
        text += " " + _("Dry run: nothing was written.")
    return text
