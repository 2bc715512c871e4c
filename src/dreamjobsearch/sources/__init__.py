"""Where postings come from: the `JobSource` protocol and one module per source."""
