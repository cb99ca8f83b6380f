"""マイナポータル-like resident portal: card login, signed online 転出, 来庁予定 (ADR 0025)."""
