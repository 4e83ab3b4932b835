"""Sending notifications: the port the application depends on, and its senders."""

from src.infrastructure.notifications.senders import (
    LogSender,
    Message,
    NotificationSender,
    SmsSender,
    SmtpSender,
    create_notification_sender,
)

__all__ = [
    "LogSender",
    "Message",
    "NotificationSender",
    "SmsSender",
    "SmtpSender",
    "create_notification_sender",
]
