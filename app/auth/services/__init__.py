"""Every change to accounts and organisations, one module per domain. Services flush; the caller
commits. Import a function from the module that owns it: this package re-exports nothing, so a
caller's import says which domain it depends on."""
