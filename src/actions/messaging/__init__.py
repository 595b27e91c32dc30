"""Messages out (docs/delivery.md): the outbox every message is written to first (``outbox``),
the digest lines and calendar files they carry (``digest``, ``ics``), the channels that send
them (``transports``: Apprise and pooled SMTP, at the edge), and the deliverers that drain the
outbox under leases (``delivery``; its parts: ``fencing``, ``sending``, ``ratelimit``,
``rendering``, ``outcomes``)."""
