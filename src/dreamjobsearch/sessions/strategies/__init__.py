"""What a session's token means: a record the server keeps (stateful) or the token itself
(stateless, `lazy`); one protocol, one file per strategy."""
