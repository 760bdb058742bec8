"""Every URL pattern of the project, walked from the root resolver (admin, i18n and static
excluded): the list the access-control matrix and the CSRF test are checked against."""

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

EXCLUDED_PREFIXES = ("admin/", "i18n/", "static/", "media/")


@dataclass(frozen=True)
class Pattern:
    name: str  # "namespace:name", or the route when the pattern has no name
    route: str  # the whole route from the root, e.g. "projects/<int:pk>/edit/"
    callback: object
    default_kwargs: dict

    @property
    def takes_parameters(self) -> bool:
        """An object id, a token or any other value taken from the path."""
        return "<" in self.route

    @property
    def is_api(self) -> bool:
        return self.route.startswith("api/")


def url_patterns() -> list[Pattern]:
    found: list[Pattern] = []
    _walk(get_resolver().url_patterns, "", [], found)
    return [p for p in found if not p.route.startswith(EXCLUDED_PREFIXES)]


def _walk(patterns, prefix: str, namespaces: list[str], found: list[Pattern]) -> None:
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            spaces = [*namespaces, entry.namespace] if entry.namespace else namespaces
            _walk(entry.url_patterns, route, spaces, found)
        elif isinstance(entry, URLPattern):
            name = ":".join([*namespaces, entry.name]) if entry.name else route
            found.append(Pattern(name, route, entry.callback, dict(entry.default_args)))
