"""What a command asks for: regions by name, indicators by theme or id, checked against
the catalogue and the regions, with a suggestion for a name that is not known."""

from __future__ import annotations

from bwmonitor.core.catalog import Capital, Catalog, Indicator
from bwmonitor.core.errors import InvalidInput
from bwmonitor.core.regions import Region, RegionRegistry
from bwmonitor.core.suggest import did_you_mean


def resolve_regions(
    registry: RegionRegistry, names: list[str], option: str = "--region"
) -> list[Region]:
    """Regions named by code, name or alias (repeated or comma-separated), each once;
    InvalidInput with a suggestion for a name that is not known, and when `option` was
    given but names no region at all ('' or ',')."""
    found: list[Region] = []
    for name in (part.strip() for text in names for part in text.split(",")):
        if name:
            region = registry.resolve(name)
            if region not in found:
                found.append(region)
    if names and not found:
        raise InvalidInput(f"{option} {', '.join(map(repr, names))} names no region")
    return found


def select_indicators(catalog: Catalog, themes: list[str], ids: list[str]) -> list[Indicator]:
    """The catalogue's indicators (in order), narrowed to themes and ids when given. A
    "theme" may also be a brede welvaart capital ('sociaal_kapitaal' or 'Sociaal
    kapitaal'): the indicators CBS assigns to it."""
    wanted_themes = [t.strip() for text in themes for t in text.split(",") if t.strip()]
    wanted_ids = [i.strip() for text in ids for i in text.split(",") if i.strip()]
    by_title = {t.title.lower(): t.id for t in catalog.themes.values()}
    capitals = {c.value: c for c in Capital} | {c.label.lower(): c for c in Capital}
    theme_ids: set[str] = set()
    capital_ids: set[Capital] = set()
    for theme in wanted_themes:
        theme_id = theme if theme in catalog.themes else by_title.get(theme.lower())
        if theme_id is not None:
            theme_ids.add(theme_id)
        elif theme.lower() in capitals:
            capital_ids.add(capitals[theme.lower()])
        else:
            raise InvalidInput(
                f"theme {theme!r} is not in the catalogue"
                f"{did_you_mean(theme, [*catalog.themes, *by_title, *capitals])}",
                hint="see `bwmonitor catalog list`",
            )
    for indicator_id in wanted_ids:
        if indicator_id not in catalog.indicators:
            raise InvalidInput(
                f"indicator {indicator_id!r} is not in the catalogue"
                f"{did_you_mean(indicator_id, catalog.indicators)}",
                hint="see `bwmonitor catalog list`",
            )
    narrowed = bool(theme_ids or capital_ids)
    return [
        indicator
        for theme_id in catalog.themes
        for indicator in catalog.indicators.values()
        if indicator.theme == theme_id
        and (not narrowed or theme_id in theme_ids or indicator.capital in capital_ids)
        and (not wanted_ids or indicator.id in wanted_ids)
    ]
