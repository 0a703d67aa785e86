"""Which pages each role sees: the navigation table, without Streamlit.

Every page file in ``views/`` appears: one missing from ``PAGES`` is shown to
the leading group and its office until it is given its roles here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# Not "pages": Streamlit would also serve a `pages/` folder beside app.py by file name
# ("multipage v1"), running a page without app.py — without sign-in and navigation.
PAGES_DIR = Path(__file__).resolve().parent / "views"
STAFF = frozenset({"leader", "office", "inspector", "publicity", "admin"})
PUBLIC = "public"  # the pseudo-role of a visitor who has not signed in


@dataclass(frozen=True)
class PageSpec:
    """A page file, its navigation section, icon, the roles that see it, and its URL path.

    URL paths differ from file names as a second guard: should the folder ever be
    named ``pages/`` again, Streamlit would serve it by file name ("multipage v1")
    and run a page without app.py — without the sign-in and the role's navigation.
    """

    file: str
    section: str
    icon: str
    roles: frozenset[str]
    url: str


READERS = frozenset({"leader", "office"})  # the leading group reads everything, its office manages it
CHECKS = READERS | {"inspector"}
PAGES = (
    PageSpec("overview", "supervision", ":material/dashboard:", STAFF, "home"),
    PageSpec("adoption", "supervision", ":material/trending_up:", CHECKS, "adoption-rates"),
    PageSpec("sampling", "supervision", ":material/shuffle:", CHECKS, "random-checks"),
    PageSpec("blacklist", "supervision", ":material/campaign:", STAFF - {"admin"}, "credit-blacklist"),
    PageSpec("platforms", "supervision", ":material/hub:", READERS, "platform-links"),
    PageSpec("timetable", "supervision", ":material/event_upcoming:", READERS, "plan-timetable"),
    PageSpec("assessment", "supervision", ":material/military_tech:", READERS, "annual-assessment"),
    PageSpec("data_admin", "supervision", ":material/database:", READERS | {"admin"}, "data"),
    PageSpec("audit", "admin", ":material/policy:", READERS | {"admin"}, "audit-log"),
    PageSpec("accounts", "admin", ":material/manage_accounts:", frozenset({"admin"}), "users"),
    PageSpec("sign_in", "public", ":material/login:", frozenset({PUBLIC}), "login"),
    PageSpec("public_lookup", "public", ":material/search:", STAFF | {PUBLIC}, "lookup"),
)


def page_specs() -> list[PageSpec]:
    """PAGES that exist, then any other page file in ``views/`` (for the leading group and office)."""
    files = sorted(p.stem for p in PAGES_DIR.glob("*.py") if not p.stem.startswith("_"))
    known = {spec.file for spec in PAGES}
    extra = [
        PageSpec(f, "supervision", ":material/article:", READERS, "more-" + f.replace("_", "-"))
        for f in files
        if f not in known
    ]
    return [spec for spec in PAGES if spec.file in files] + extra


def visible_pages(role: str) -> list[str]:
    """The page files a role sees (``public``: not signed in), in navigation order."""
    return [spec.file for spec in page_specs() if role in spec.roles]
