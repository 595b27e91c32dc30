"""The next inspection: which new findings repeat earlier asks (docs/next-inspection.md).

``features`` turns a finding's words into weighted terms, ``matching`` pairs new findings with
earlier actions by those terms (pure, no database), ``service`` reads the candidates and writes
the links, successions and suggestions in the caller's transaction, and ``review`` holds the
SRO's decisions (confirm, dismiss, break) and an action's chain across inspections.
"""
