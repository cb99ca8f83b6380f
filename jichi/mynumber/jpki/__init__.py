"""公的個人認証 (JPKI) imitated: the chip as a PKCS#11 token, a CA, CRL, OCSP, verification.

Modules, each with one job: ``token`` (keys that never leave the chip), ``charset``
(names into the certificate character set), ``profiles`` (the two X.509 profiles),
``ca`` (CA keys and certificates), ``tables``/``store`` (persisted certificates),
``issuance``, ``revocation`` (driven by registry events), ``crl``, ``ocsp``,
``verifiers`` (registered relying parties) and ``verify``.
"""
