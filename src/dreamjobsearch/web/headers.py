"""Security headers of every page, fragment and static file the web UI serves."""

from __future__ import annotations

# No inline script or style anywhere: scripts and styles come from /static only, so an
# injected `<script>` or `style=` is inert even if escaping were ever missed.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    )
)

STATIC_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Resource-Policy": "same-origin",
}

PAGE_HEADERS = {
    **STATIC_HEADERS,
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    # Pages show a user's own data: never kept by the browser or a proxy.
    "Cache-Control": "no-store",
}
