"""factory_boy factories for the registry and accounts."""

import factory
from django.contrib.auth import get_user_model

from corridor.registry.models import Authority, Organisation, Sector, Zone
from corridor.registry.search import organisation_document


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = factory.django.Password("correct horse battery staple")


class SectorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sector
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"sector{n}")
    name_en = factory.LazyAttribute(lambda o: o.code.title())
    name_zh_hans = "行业"
    name_ur = "شعبہ"


class AuthorityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Authority
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"authority{n}")
    name_en = factory.LazyAttribute(lambda o: f"Authority {o.code}")
    country = "PK"


class ZoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Zone
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"zone-{n}")
    kind = Zone.Kind.TECHNOLOGY_ZONE
    name_en = factory.LazyAttribute(lambda o: f"Zone {o.slug}")
    country = "PK"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("slug",)
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"org-{n}")
    kind = Organisation.Kind.ENTERPRISE
    name = factory.Sequence(lambda n: f"Organisation {n}")
    name_en = factory.LazyAttribute(lambda o: o.name)
    country = "PK"

    @factory.post_generation
    def sectors(self, create, extracted, **kwargs):
        if create and extracted:
            self.sectors.set(extracted)
        if create:
            self.search_document = organisation_document(self)
            self.save(update_fields=["search_document"])
