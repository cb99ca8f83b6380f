"""Security: field encryption, keyed look-up hashes and the hash-chained audit log.

Below the contexts and above ``store``: the registry encrypts individual numbers and writes
an audit entry for every read of a person's data through these modules, inside its own
transaction.  Staff accounts, roles and scopes will join this package later.
"""
