"""Pure scoring logic: verifiers for math, format, language, shaping and code rewards.

Nothing here imports the HTTP layer. See :mod:`verifiers.types` for the contract.
"""
