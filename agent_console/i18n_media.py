"""Console texts of the media round (recordings, the listening audit, quality review, the
softphone, the sign-language video page), Hindi and English; merged into agent_console.i18n."""
from __future__ import annotations

EN: dict[str, str] = {
    "nav.recordings": "Recordings",
    "rec.title": "Call recordings", "rec.own_only": "You hear the recordings of the calls you answered.",
    "rec.agent": "Agent (extension)", "rec.phone": "Caller's number", "rec.complaint": "Complaint number",
    "rec.from": "From", "rec.to": "To", "rec.search": "Search", "rec.none": "No recorded call matches.",
    "rec.found": "Recorded calls", "rec.when": "When", "rec.caller": "Caller", "rec.talk": "Talk",
    "rec.play": "Recording", "rec.deleted": "deleted after the retention period", "rec.qa": "Quality review",
    "rec.listens": "Who listened", "rec.listens_title": "Who listened to which recording",
    "rec.listener": "Listener", "rec.listened_at": "Listened at", "rec.call": "Call", "rec.no_listens": "Nobody has listened yet.",
    "admin.record": "Record calls", "admin.record_hint": "Callers hear “this call may be recorded”; recordings are deleted after {days} days.",
    "admin.yes_record": "Recording", "admin.no_record": "Not recorded",
    "qa.title": "Quality review", "qa.back": "Back to the recordings", "qa.form": "Review",
    "qa.criteria": "Criteria met", "qa.weight": "weight {w}", "qa.comment": "Comment for the agent",
    "qa.save": "Save the review", "qa.saved": "Review saved: score {score}.", "qa.score": "Score {score}",
    "qa.by": "Reviewed by {who}, {at}", "qa.no_recording": "This call was not recorded.",
    "qa.open": "Review", "qa.edit": "Change", "qa.avg": "Quality (reviews)",
    "admin.qa": "Quality review criteria", "admin.qa_hint": "A call's score is the met criteria's share of the weights (0–100).",
    "admin.weight": "Weight",
}

HI: dict[str, str] = {
    "nav.recordings": "रिकॉर्डिंग",
    "rec.title": "कॉल रिकॉर्डिंग", "rec.own_only": "आप केवल अपनी उत्तर दी गई कॉल की रिकॉर्डिंग सुन सकते हैं।",
    "rec.agent": "एजेंट (एक्सटेंशन)", "rec.phone": "कॉल करने वाले का नंबर", "rec.complaint": "शिकायत संख्या",
    "rec.from": "से", "rec.to": "तक", "rec.search": "खोजें", "rec.none": "कोई रिकॉर्ड की गई कॉल नहीं मिली।",
    "rec.found": "रिकॉर्ड की गई कॉल", "rec.when": "कब", "rec.caller": "कॉलर", "rec.talk": "बातचीत",
    "rec.play": "रिकॉर्डिंग", "rec.deleted": "रखने की अवधि के बाद हटाई गई", "rec.qa": "गुणवत्ता समीक्षा",
    "rec.listens": "किसने सुना", "rec.listens_title": "किसने कौन-सी रिकॉर्डिंग सुनी",
    "rec.listener": "सुनने वाला", "rec.listened_at": "कब सुना", "rec.call": "कॉल", "rec.no_listens": "अभी तक किसी ने नहीं सुना।",
    "admin.record": "कॉल रिकॉर्ड करें", "admin.record_hint": "कॉल करने वालों को सुनाया जाता है कि “यह कॉल रिकॉर्ड की जा सकती है”; रिकॉर्डिंग {days} दिन बाद हटा दी जाती है।",
    "admin.yes_record": "रिकॉर्ड हो रही है", "admin.no_record": "रिकॉर्ड नहीं",
    "qa.title": "गुणवत्ता समीक्षा", "qa.back": "रिकॉर्डिंग पर वापस", "qa.form": "समीक्षा",
    "qa.criteria": "पूरे हुए मानदंड", "qa.weight": "भार {w}", "qa.comment": "एजेंट के लिए टिप्पणी",
    "qa.save": "समीक्षा सहेजें", "qa.saved": "समीक्षा सहेजी गई: अंक {score}।", "qa.score": "अंक {score}",
    "qa.by": "{who} द्वारा समीक्षा, {at}", "qa.no_recording": "यह कॉल रिकॉर्ड नहीं हुई थी।",
    "qa.open": "समीक्षा करें", "qa.edit": "बदलें", "qa.avg": "गुणवत्ता (समीक्षाएँ)",
    "admin.qa": "गुणवत्ता समीक्षा के मानदंड", "admin.qa_hint": "कॉल के अंक: पूरे हुए मानदंडों का भार में हिस्सा (0–100)।",
    "admin.weight": "भार",
}
