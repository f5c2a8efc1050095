"""What the bot says, in Hindi and English (`say(lang, key, **values)`)."""
from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "choose_language": {"hi": "नमस्ते! 1076 मुख्यमंत्री हेल्पलाइन में आपका स्वागत है।\nWelcome to the 1076 Helpline.\n"
                                "कृपया भाषा चुनें / Please choose a language.",
                        "en": "Welcome to the 1076 Helpline. नमस्ते!\nPlease choose a language / कृपया भाषा चुनें।"},
    "menu": {"hi": "आप क्या करना चाहेंगे? नीचे सूची से चुनें।", "en": "What would you like to do? Choose from the list."},
    "menu_button": {"hi": "विकल्प", "en": "Options"},
    "opt_register": {"hi": "शिकायत दर्ज करें", "en": "Register a complaint"},
    "opt_status": {"hi": "शिकायत की स्थिति", "en": "Complaint status"},
    "opt_feedback": {"hi": "फ़ीडबैक दें", "en": "Give feedback"},
    "opt_agent": {"hi": "व्यक्ति से बात करें", "en": "Talk to a person"},
    "opt_language": {"hi": "Language / भाषा", "en": "भाषा / Language"},
    "ask_name": {"hi": "शिकायत दर्ज करते हैं। कृपया अपना पूरा नाम लिखें।",
                 "en": "Let us register your complaint. Please type your full name."},
    "bad_name": {"hi": "कृपया अपना नाम लिखें (150 अक्षरों तक)।", "en": "Please type your name (up to 150 letters)."},
    "ask_district": {"hi": "आपका ज़िला कौन सा है? सूची से चुनें या ज़िले का नाम लिखें।",
                     "en": "Which district are you in? Choose from the list or type its name."},
    "no_district": {"hi": "यह ज़िला नहीं मिला। नाम फिर से लिखें या सूची से चुनें।",
                    "en": "No district matches that. Type the name again or choose from the list."},
    "ask_department": {"hi": "शिकायत किस विभाग से है? सूची से चुनें।", "en": "Which department is it about? Choose from the list."},
    "ask_category": {"hi": "शिकायत का प्रकार चुनें।", "en": "Choose the kind of complaint."},
    "choose": {"hi": "चुनें", "en": "Choose"},
    "more": {"hi": "और विकल्प ▶", "en": "More ▶"},
    "more_hint": {"hi": "अगला पृष्ठ", "en": "Next page"},
    "ask_description": {"hi": "अपनी शिकायत विस्तार से लिखें (या वॉइस नोट भेजें)।",
                        "en": "Describe your complaint (or send a voice note)."},
    "short_description": {"hi": "कृपया थोड़ा और विस्तार से लिखें।", "en": "Please write a little more detail."},
    "voice_description": {"hi": "शिकायत वॉइस नोट में है (संलग्न)।", "en": "The complaint is in the attached voice note."},
    "ask_media": {"hi": "चाहें तो फ़ोटो या वॉइस नोट भेजें, फिर 'आगे बढ़ें' दबाएँ।",
                  "en": "Send a photo or voice note if you like, then press 'Continue'."},
    "media_saved": {"hi": "मिल गया ({count})। और भेजें या 'आगे बढ़ें' दबाएँ।",
                    "en": "Received ({count}). Send more or press 'Continue'."},
    "media_limit": {"hi": "अधिकतम {count} फ़ाइलें ली जा सकती हैं।", "en": "At most {count} files can be kept."},
    "continue": {"hi": "आगे बढ़ें", "en": "Continue"},
    "confirm": {"hi": "कृपया जाँच लें:\nनाम: {name}\nज़िला: {district}\nविभाग: {department}\nप्रकार: {category}\n"
                      "विवरण: {description}\nसंलग्न: {media}\nशिकायत दर्ज करें?",
                "en": "Please check:\nName: {name}\nDistrict: {district}\nDepartment: {department}\nKind: {category}\n"
                      "Description: {description}\nAttached: {media}\nRegister this complaint?"},
    "register": {"hi": "दर्ज करें", "en": "Register"},
    "cancel": {"hi": "रद्द करें", "en": "Cancel"},
    "cancelled": {"hi": "शिकायत दर्ज नहीं की गई।", "en": "The complaint was not registered."},
    "registered": {"hi": "आपकी शिकायत दर्ज हो गई। शिकायत संख्या: {number}\nअंतिम तिथि: {due}\nयह संख्या संभाल कर रखें।",
                   "en": "Your complaint is registered. Complaint number: {number}\nDue by: {due}\nPlease keep this number."},
    "limit": {"hi": "इस नंबर से इस महीने की शिकायतों की सीमा पूरी हो गई है। सहायता के लिए 1076 पर कॉल करें।",
              "en": "This number has reached this month's limit of complaints. Call 1076 for help."},
    "ask_number": {"hi": "शिकायत संख्या (11 अंक) लिखें।", "en": "Type the complaint number (11 digits)."},
    "ask_number_or_pick": {"hi": "सूची से शिकायत चुनें या शिकायत संख्या (11 अंक) लिखें।",
                           "en": "Choose a complaint from the list or type its number (11 digits)."},
    "bad_number": {"hi": "यह संख्या सही नहीं है: {reason}। फिर से लिखें।", "en": "That number is not right: {reason}. Type it again."},
    "not_found": {"hi": "संख्या {number} की कोई शिकायत नहीं मिली।", "en": "No complaint has the number {number}."},
    "status": {"hi": "शिकायत {number}\nस्थिति: {state}\nविभाग: {department}\nस्तर: L{level}\n{when}",
               "en": "Complaint {number}\nState: {state}\nDepartment: {department}\nLevel: L{level}\n{when}"},
    "due_on": {"hi": "अंतिम तिथि: {date}", "en": "Due by: {date}"},
    "overdue": {"hi": "अंतिम तिथि ({date}) निकल चुकी है; अधिकारी को याद दिलाया जा रहा है।",
                "en": "The due date ({date}) has passed; the officer is being reminded."},
    "disposed_on": {"hi": "निस्तारण: {date}", "en": "Disposed on: {date}"},
    "closed_on": {"hi": "बंद: {date}", "en": "Closed on: {date}"},
    "no_feedback_due": {"hi": "इस नंबर की कोई शिकायत फ़ीडबैक की प्रतीक्षा में नहीं है।",
                        "en": "No complaint from this number is waiting for feedback."},
    "pick_feedback": {"hi": "किस शिकायत पर फ़ीडबैक देंगे?", "en": "Which complaint is your feedback about?"},
    "ask_feedback": {"hi": "शिकायत {number} पर अधिकारी की आख्या: {report}\nक्या आप कार्यवाही से संतुष्ट हैं?",
                     "en": "Officer's report on complaint {number}: {report}\nAre you satisfied with the action taken?"},
    "satisfied": {"hi": "संतुष्ट", "en": "Satisfied"},
    "dissatisfied": {"hi": "असंतुष्ट", "en": "Not satisfied"},
    "fb_closed": {"hi": "धन्यवाद। शिकायत {number} बंद कर दी गई है।", "en": "Thank you. Complaint {number} is closed."},
    "fb_reopened": {"hi": "हमें खेद है। शिकायत {number} फिर से अधिकारी को भेजी गई है।",
                    "en": "We are sorry. Complaint {number} has been sent back to the officer."},
    "fb_escalated": {"hi": "हमें खेद है। शिकायत {number} उच्च अधिकारी (L2) को भेजी गई है।",
                     "en": "We are sorry. Complaint {number} has been sent to the senior officer (L2)."},
    "fb_not_waiting": {"hi": "शिकायत {number} अभी फ़ीडबैक की प्रतीक्षा में नहीं है।",
                       "en": "Complaint {number} is not waiting for feedback now."},
    "fb_other_phone": {"hi": "फ़ीडबैक उसी नंबर से लिया जाता है जिससे शिकायत दर्ज हुई थी।",
                       "en": "Feedback is taken only from the number that registered the complaint."},
    "queued": {"hi": "आपको हमारे सहायक से जोड़ा जा रहा है। वे यहीं उत्तर देंगे।",
               "en": "We are connecting you to a person. They will reply here."},
    "not_understood": {"hi": "आपका संदेश हमारे सहायक को भेज दिया गया है। वे यहीं उत्तर देंगे।",
                       "en": "Your message has been passed to a person. They will reply here."},
    "stopped": {"hi": "अब आपको हेल्पलाइन से संदेश नहीं भेजे जाएँगे। फिर से शुरू करने के लिए START लिखें।",
                "en": "You will get no more messages from the helpline. Send START to receive them again."},
    "started": {"hi": "संदेश फिर से शुरू कर दिए गए हैं।", "en": "Messages are on again."},
    "closed_by_agent": {"hi": "बातचीत समाप्त। किसी भी समय फिर से लिखें।", "en": "The conversation is closed. Write again any time."},
    "menu_again": {"hi": "मेनू", "en": "Menu"},
    "error": {"hi": "क्षमा करें, कुछ गड़बड़ हुई। आपका संदेश हमारे सहायक को भेज दिया गया है।",
              "en": "Sorry, something went wrong. Your message has been passed to a person."},
}

STATES = {
    "registered": {"hi": "दर्ज", "en": "Registered"}, "at_l1": {"hi": "L1 अधिकारी के पास", "en": "With the L1 officer"},
    "disposed": {"hi": "निस्तारित", "en": "Disposed"}, "at_l2": {"hi": "L2 अधिकारी के पास", "en": "With the L2 officer"},
    "disposed_l2": {"hi": "L2 द्वारा निस्तारित", "en": "Disposed by L2"}, "closed": {"hi": "बंद", "en": "Closed"},
}


def say(lang: str, key: str, **values: object) -> str:
    text = TEXTS[key]["en" if lang == "en" else "hi"]
    return text.format(**values) if values else text


def state_name(lang: str, state: str) -> str:
    return STATES.get(state, {}).get("en" if lang == "en" else "hi", state)
