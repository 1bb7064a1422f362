"""``corridor demo``: load the demo data set and print the demo logins."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from corridor.docking.demo import loader as profiles_loader
from corridor.docking.demo import pipeline as pipeline_loader
from corridor.events import demo as events_loader
from corridor.registry.demo import loader
from corridor.registry.models import Authority, Organisation, Sector, Zone


class Command(BaseCommand):
    help = gettext_lazy(
        "Load the demo data (authorities, zones, organisations, one login per role). "
        "Safe to run again: it updates the demo rows and creates no duplicates."
    )

    def handle(self, *args, **options):
        try:
            result = loader.load_demo()
            # Profiles are written by the organisations' people and staff loaded just above.
            profiles = profiles_loader.load_profiles()
            # Interests, introductions, meetings and agreements between those profiles.
            pipeline = pipeline_loader.load_pipeline()
            # B2B events (one past, one upcoming) with those organisations' people.
            events = events_loader.load_events()
        except (ValidationError, ValueError) as error:
            # A broken data file: name the problem; each loader is one transaction, so the
            # failing one wrote nothing.
            raise CommandError(
                _("The demo data is invalid: %(error)s") % {"error": error}
            ) from error
        self._print_summary(result)
        for line in profiles_loader.summary(profiles):
            self.stdout.write(line)
        for line in pipeline_loader.summary(pipeline):
            self.stdout.write(line)
        for line in events_loader.summary(events):
            self.stdout.write(line)
        self._print_logins(result)

    def _print_summary(self, result: loader.DemoResult) -> None:
        out = self.stdout
        if result.changed:
            created = ", ".join(f"{k} {v}" for k, v in sorted(result.created.items()) if v)
            updated = ", ".join(f"{k} {v}" for k, v in sorted(result.updated.items()) if v)
            out.write(_("Created: %(list)s") % {"list": created or "-"})
            out.write(_("Updated: %(list)s") % {"list": updated or "-"})
        else:
            out.write(_("The demo data was already loaded: nothing changed."))
        demo_orgs = Organisation.objects.filter(is_demo=True)
        out.write("")
        out.write(_("Sectors: %(n)d") % {"n": Sector.objects.count()})
        out.write(_("Authorities: %(n)d") % {"n": Authority.objects.count()})
        zones = dict(Zone.objects.filter(is_demo=True).values_list("kind").annotate(n=Count("pk")))
        out.write(
            _("Demo zones: %(n)d (%(kinds)s)")
            % {
                "n": sum(zones.values()),
                "kinds": ", ".join(f"{k} {v}" for k, v in sorted(zones.items())),
            }
        )
        by_country = dict(demo_orgs.values_list("country").annotate(n=Count("pk")))
        by_language = dict(demo_orgs.values_list("description_language").annotate(n=Count("pk")))
        out.write(
            _("Demo organisations: %(n)d (by country: %(countries)s; descriptions: %(languages)s)")
            % {
                "n": sum(by_country.values()),
                "countries": ", ".join(f"{k} {v}" for k, v in sorted(by_country.items())),
                "languages": ", ".join(f"{k} {v}" for k, v in sorted(by_language.items())),
            }
        )

    def _print_logins(self, result: loader.DemoResult) -> None:
        out = self.stdout
        out.write("")
        out.write(self.style.WARNING(_(
            "Demo accounts: they share one publicly known password. Use them on a local "
            "demo installation only, never on a server others can reach."
        )))  # fmt: skip
        width = max(len(login[0]) for login in result.logins)
        headings = (_("username"), _("password"), _("language"), _("role"))
        out.write(f"{headings[0]:<{width}}  {headings[1]:<15}  {headings[2]:<8}  {headings[3]}")
        for username, role, language, where in result.logins:
            held = f"{role}: {where}" if where else role
            out.write(f"{username:<{width}}  {result.password:<15}  {language:<8}  {held}")
        if result.password == loader.DEFAULT_PASSWORD:
            out.write(
                _("Set %(env)s to choose another demo password.") % {"env": loader.PASSWORD_ENV}
            )
