"""Compliance screening: rule packs, text and visual checks, licences, provenance and the export gate.

Nothing is imported eagerly here: import the module you need (``studio.compliance.rules``,
``studio.compliance.gate`` ...), so that loading the rules never pulls in torch or c2pa.
"""
