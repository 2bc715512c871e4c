"""What the JSON API and the web pages share: the services dependency, the one
authentication path (a token from either transport, Bearer header or session cookie, becomes
a `Caller`) and the admin check, the status each domain error answers with, the log stream,
the app-wide check of every request's text, and the ids in addresses. Neither `api` nor `web`
imports the other."""
