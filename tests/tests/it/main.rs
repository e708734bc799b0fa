//! Integration tests against a real relay on a random port (one binary, see ARCHITECTURE.md).

mod serving;
