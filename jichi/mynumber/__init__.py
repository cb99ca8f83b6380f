"""My Number (個人番号): numbers, cards, JPKI certificates and the exchange hub."""
