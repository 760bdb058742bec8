"""How an outbox row leaves the building: one small interface per delivery channel.

A channel sends one Notification and raises on any failure; compliance.notifications decides
what a failure means (retry with backoff, or give up). Adding WhatsApp or SMS is a new class
here, a new Notification.Channel value and an entry in CHANNELS; nothing else changes.
"""

from typing import Protocol

from django.core.mail import EmailMessage

from .models import Notification


class ChannelError(Exception):
    """The channel accepted the call but did not take the message."""


class Channel(Protocol):
    def send(self, notification: Notification) -> None:
        """Hand the notification over, or raise. Must not block without bound."""


class EmailChannel:
    """Email through a Django 6.1 mailer (settings.MAILERS). The SMTP mailer's `timeout` option
    (EMAIL_TIMEOUT, 10 s by default) bounds every network wait, so a frozen mail server costs
    one attempt, not a stuck worker."""

    def __init__(self, mailer: str = "default"):
        self.mailer = mailer

    def send(self, notification: Notification) -> None:
        message = EmailMessage(
            subject=notification.subject,
            body=notification.body,
            to=[notification.recipient],
            # The same Message-ID on every attempt: a resend after a crash between "sent" and
            # "marked sent" is the same message to the receiving side, which may drop it.
            headers={"Message-ID": notification.message_id},
        )
        if message.send(using=self.mailer) != 1:
            raise ChannelError(f"the {self.mailer!r} mailer did not take the message")


CHANNELS: dict[str, Channel] = {
    Notification.Channel.EMAIL: EmailChannel(),
}


def channel_for(notification: Notification) -> Channel:
    return CHANNELS[notification.channel]
