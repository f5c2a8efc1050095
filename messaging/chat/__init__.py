"""The WhatsApp chat: the bot's steps (register, status, feedback), hand-over to agents."""
