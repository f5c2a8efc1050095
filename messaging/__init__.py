"""Other ways in and out: WhatsApp (Cloud API), SMS (an HTTP gateway), e-mail; the chat flows;
notifications driven by the audit trail; the delivery outbox."""
