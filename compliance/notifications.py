"""Notification outbox (placeholder until the notification work lands: writes nothing)."""


def queue_scan_notifications(*, run, clock) -> int:
    return 0
