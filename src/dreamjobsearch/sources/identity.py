"""A posting's identity: which board it is from and the board's id for it.

Imports often lack `source` or `external_id`; we derive them from the link the way the boards
shape their URLs, so the same job imported twice (or found by a board later) is one posting.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

LINKEDIN_ID_PATTERNS = (
    re.compile(r"/jobs/view/(?:[^/?#]*-)?(\d{6,})(?:[/?#]|$)"),
    re.compile(r"/jobs-guest/jobs/api/jobPosting/(\d{6,})(?:[/?#]|$)"),
    re.compile(r"[?&]currentJobId=(\d{6,})"),
    re.compile(r"urn:li:jobPosting:(\d{6,})"),
)
HOST_SOURCES = (
    ("linkedin.com", "linkedin"),
    ("greenhouse.io", "greenhouse"),
    ("lever.co", "lever"),
    ("ashbyhq.com", "ashby"),
    ("arbeitnow.com", "arbeitnow"),
    ("workable.com", "workable"),
    ("smartrecruiters.com", "smartrecruiters"),
    ("recruitee.com", "recruitee"),
    ("jobs.personio.de", "personio"),
    ("jobs.personio.com", "personio"),
)
TRACKING_PARAMS = re.compile(
    r"^(utm_.*|ref|refid|trackingid|trk|src|source|gh_src|lever-.*)$", re.I
)
DEFAULT_SOURCE = "import"


def linkedin_job_id(text: str) -> str | None:
    """LinkedIn's numeric job id from any of its URL or URN forms, if present."""
    for pattern in LINKEDIN_ID_PATTERNS:
        match = pattern.search(text)
        if match:
            return match.group(1)
    return None


def source_for_link(link: str) -> str:
    """The board a link belongs to, judged by its host; `import` when unknown."""
    host = (urlsplit(link).hostname or "").lower()
    for suffix, source in HOST_SOURCES:
        if host == suffix or host.endswith("." + suffix):
            return source
    return DEFAULT_SOURCE


def normalize_link(link: str) -> str:
    """A canonical form of a URL: lower-case scheme and host, no fragment, no tracking."""
    parts = urlsplit(link.strip())
    query = urlencode(
        sorted((k, v) for k, v in parse_qsl(parts.query) if not TRACKING_PARAMS.match(k))
    )
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, query, ""))


def derive_identity(link: str, source: str | None, external_id: str | None) -> tuple[str, str]:
    """`(source, external_id)` for a posting, derived from its link where not given."""
    chosen_source = (source or "").strip().lower() or source_for_link(link)
    if external_id and external_id.strip():
        return chosen_source, external_id.strip()
    if chosen_source == "linkedin":
        job_id = linkedin_job_id(link)
        if job_id:
            return chosen_source, job_id
    return chosen_source, normalize_link(link)
