"""WhatsApp Business Cloud API, protocol only: webhook signature and payload parsing, the Graph
API client. Knows nothing of complaints (docs/whatsapp.md says why this is not pywa)."""
