from django.conf import settings
from django.core.checks import Tags, Warning, register

from relais.core.theme import contrast_with_white


@register()
def theme_contrast(app_configs, **kwargs):
    """White text on the town's primary colour must reach WCAG AA (4.5:1)."""
    colour = settings.RELAIS["PRIMARY_COLOR"]
    try:
        ratio = contrast_with_white(colour)
    except (ValueError, IndexError):
        return [Warning(f"RELAIS_PRIMARY_COLOR {colour!r} is not a #rrggbb colour.", id="relais.W001")]
    if ratio < 4.5:
        return [
            Warning(
                f"White text on RELAIS_PRIMARY_COLOR {colour} has a contrast of {ratio:.1f}:1 (WCAG AA needs 4.5:1).",
                hint="Choose a darker primary colour.",
                id="relais.W002",
            )
        ]
    return []


@register(Tags.caches, deploy=True)
def shared_cache(app_configs, **kwargs):
    """Rate limits and page invalidation need a cache that every app server shares."""
    from django.core.cache import caches
    from django.core.cache.backends.dummy import DummyCache
    from django.core.cache.backends.locmem import LocMemCache

    if isinstance(caches["default"], LocMemCache | DummyCache):
        return [
            Warning(
                f"The default cache ({settings.CACHES['default']['BACKEND']}) is kept by each process apart: "
                "login and form rate limits would count per gunicorn worker, not per installation.",
                hint="Set REDIS_URL, or keep Relais's default database cache (relais.core.cache.DatabaseCache).",
                id="relais.W003",
            )
        ]
    return []


@register()
def retention_periods(app_configs, **kwargs):
    """A retention period under its floor (or a variable naming no kind) is refused."""
    from django.core.checks import Error

    from relais.core.retention import configuration_problems

    return [
        Error(problem, hint="See the retention table of the README.", id="relais.E004")
        for problem in configuration_problems()
    ]
