"""Console texts of the messaging pages (agents' WhatsApp conversations, supervisors' message
backlog), Hindi and English; merged into agent_console.i18n's tables."""
from __future__ import annotations

EN: dict[str, str] = {
    "nav.whatsapp": "WhatsApp", "nav.messages": "Messages",
    "wa.title": "WhatsApp conversations", "wa.queue": "Waiting and mine", "wa.none": "No conversation is waiting.",
    "wa.take": "Take", "wa.taken_by": "with {agent}", "wa.reply": "Your reply", "wa.send": "Send",
    "wa.close": "Close conversation", "wa.pick": "Choose a conversation from the list.",
    "wa.history": "Citizen's history", "wa.register": "Register a complaint from this chat",
    "wa.registered": "Complaint {number} registered; the number was sent to the citizen.",
    "wa.state.queued": "Waiting", "wa.state.agent": "Taken", "wa.state.closed": "Closed", "wa.state.bot": "With the bot",
    "wa.conflict": "Another agent has taken this conversation.", "wa.media": "Photos and voice notes in this chat: {n}",
    "wa.citizen": "Citizen", "wa.bot": "Bot", "wa.waiting_since": "waiting since {at}", "wa.closed": "Conversation closed.",
    "wa.back": "Back to the desk", "wa.no_complaints": "No complaints from this number.",
    "wa.name": "Name", "wa.description": "Description",
    "msgs.title": "Messages to citizens and officers", "msgs.waiting": "Waiting to be sent", "msgs.failed": "Failed",
    "msgs.undelivered": "Sent but not delivered", "msgs.oldest": "Oldest waiting", "msgs.seconds": "{s} s",
    "msgs.chats_queued": "Chats waiting for an agent", "msgs.chats_agent": "Chats with agents",
    "msgs.chats_bot": "Chats with the bot", "msgs.channel": "Channel", "msgs.failures": "Failures and retries",
    "msgs.retry": "Send again", "msgs.none": "No failures.", "msgs.to": "To", "msgs.purpose": "What",
    "msgs.error": "Reason", "msgs.attempts": "Attempts", "msgs.next": "Next try", "msgs.state": "State",
    "msgs.pending": "Waiting", "msgs.sending": "Sending", "msgs.sent": "Sent", "msgs.skipped": "Not sent (STOP)",
    "msgs.retried": "Message {id} will be sent again.",
}

HI: dict[str, str] = {
    "nav.whatsapp": "व्हाट्सऐप", "nav.messages": "संदेश",
    "wa.title": "व्हाट्सऐप बातचीत", "wa.queue": "प्रतीक्षा में और मेरी", "wa.none": "कोई बातचीत प्रतीक्षा में नहीं है।",
    "wa.take": "लें", "wa.taken_by": "{agent} के पास", "wa.reply": "आपका उत्तर", "wa.send": "भेजें",
    "wa.close": "बातचीत समाप्त करें", "wa.pick": "सूची से एक बातचीत चुनें।",
    "wa.history": "नागरिक का इतिहास", "wa.register": "इस बातचीत से शिकायत दर्ज करें",
    "wa.registered": "शिकायत {number} दर्ज हुई; संख्या नागरिक को भेज दी गई।",
    "wa.state.queued": "प्रतीक्षा में", "wa.state.agent": "ली गई", "wa.state.closed": "समाप्त", "wa.state.bot": "बॉट के साथ",
    "wa.conflict": "यह बातचीत किसी दूसरे एजेंट ने ले ली है।", "wa.media": "इस बातचीत में फ़ोटो और वॉइस नोट: {n}",
    "wa.citizen": "नागरिक", "wa.bot": "बॉट", "wa.waiting_since": "{at} से प्रतीक्षा में", "wa.closed": "बातचीत समाप्त।",
    "wa.back": "डेस्क पर लौटें", "wa.no_complaints": "इस नंबर से कोई शिकायत नहीं।",
    "wa.name": "नाम", "wa.description": "विवरण",
    "msgs.title": "नागरिकों और अधिकारियों को संदेश", "msgs.waiting": "भेजे जाने की प्रतीक्षा", "msgs.failed": "विफल",
    "msgs.undelivered": "भेजे गए पर पहुँचे नहीं", "msgs.oldest": "सबसे पुराना प्रतीक्षारत", "msgs.seconds": "{s} सेकंड",
    "msgs.chats_queued": "एजेंट की प्रतीक्षा में बातचीत", "msgs.chats_agent": "एजेंट के साथ बातचीत",
    "msgs.chats_bot": "बॉट के साथ बातचीत", "msgs.channel": "माध्यम", "msgs.failures": "विफलताएँ और पुनः प्रयास",
    "msgs.retry": "फिर भेजें", "msgs.none": "कोई विफलता नहीं।", "msgs.to": "किसे", "msgs.purpose": "क्या",
    "msgs.error": "कारण", "msgs.attempts": "प्रयास", "msgs.next": "अगला प्रयास", "msgs.state": "स्थिति",
    "msgs.pending": "प्रतीक्षा में", "msgs.sending": "भेजा जा रहा", "msgs.sent": "भेजा गया", "msgs.skipped": "नहीं भेजा (STOP)",
    "msgs.retried": "संदेश {id} फिर भेजा जाएगा।",
}
