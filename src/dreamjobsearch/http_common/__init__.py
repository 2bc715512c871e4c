"""What the JSON API and the web pages share: the request dependency that hands out the
services (both authenticate through `AuthService.authenticate`), the status each domain
error answers with, and the app-wide check of every request's text. Neither `api` nor `web`
imports the other."""
