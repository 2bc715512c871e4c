"""Single-use log-stream tickets: one protocol, one file per store, and the issuer over them."""
