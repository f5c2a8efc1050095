"""E-mail for officers' reminders, when `HELPLINE_SMTP_URL` is set (smtp:// or smtps://user:pass@host:port).

The standard library's smtplib in a worker thread (one message per connection: reminders are
few). Refusals by the server raise MailError (retryable for 4xx and network errors).
"""
from __future__ import annotations

import asyncio
import smtplib
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit


class MailError(Exception):
    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


class Mailer:
    def __init__(self, smtp_url: str, sender: str, timeout: float = 15.0) -> None:
        parts = urlsplit(smtp_url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("HELPLINE_SMTP_URL must look like smtp://user:password@host:587")
        self.tls = parts.scheme == "smtps"
        self.host, self.port = parts.hostname, parts.port or (465 if self.tls else 25)
        self.username = unquote(parts.username or "")
        self.password = unquote(parts.password or "")
        self.sender, self.timeout = sender, timeout

    async def send(self, to: str, subject: str, body: str) -> str:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, to, subject
        message.set_content(body)
        return await asyncio.to_thread(self._send, message)

    def _send(self, message: EmailMessage) -> str:
        try:
            cls = smtplib.SMTP_SSL if self.tls else smtplib.SMTP
            with cls(self.host, self.port, timeout=self.timeout) as smtp:
                if not self.tls and self.username:
                    smtp.starttls()
                if self.username:
                    smtp.login(self.username, self.password)
                smtp.send_message(message)
        except smtplib.SMTPResponseException as exc:
            raise MailError(f"mail server refused: {exc.smtp_code}", retryable=400 <= exc.smtp_code < 500) from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise MailError(f"mail server unreachable: {type(exc).__name__}", retryable=True) from exc
        return message["Message-ID"] or ""
