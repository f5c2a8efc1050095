"""Console texts of issue 14 (service hours, holidays, the emergency message, recorded voices,
campaign changes and announcements), Hindi and English; merged into agent_console.i18n."""
from __future__ import annotations

EN: dict[str, str] = {
    "admin.hours": "Service hours", "admin.holidays": "Holidays",
    "admin.hours_hint": "When agents answer each queue. Outside these hours, and on holidays, callers hear the "
                        "after-hours message, can still check a status or give feedback, and can ask for a "
                        "callback or record their complaint. A closing time before the opening time runs past midnight.",
    "admin.holidays_hint": "One calendar: the agent queues close and campaigns do not call on these dates.",
    "hours.now": "Now", "hours.rule": "Hours", "hours.open": "Open", "hours.closed": "Closed",
    "hours.holiday": "Closed (holiday)", "hours.until": "until {at}", "hours.opens_at": "opens {at}",
    "hours.always": "Open all the time", "hours.days": "Days", "hours.opens": "Opens", "hours.closes": "Closes",
    "hours.date": "Date", "hours.no_holidays": "No holidays set.", "hours.agents": "Agents",
    "emg.title": "Emergency message", "emg.on": "On: every caller hears it before the menu.",
    "emg.off": "Off.", "emg.text_hi": "Message (Hindi)", "emg.text_en": "Message (English)",
    "emg.switch_on": "Switch on", "emg.switch_off": "Switch off", "emg.update": "Save new text",
    "emg.hint": "For a flood, an outage, an epidemic: the text is spoken in Hindi and English when you save "
                "(a recording uploaded here replaces the voice in its language).",
    "emg.record": "Or a recording of the message in",
    "cb.kind.voicemail": "Recorded after hours", "cb.recording": "Recording",
    "camp.edit": "Change the rules", "camp.edit_save": "Save changes", "camp.daily_cap": "Calls per number per day",
    "camp.edit_saved": "Saved: {n} change(s), kept in the log below.", "camp.edit_same": "Nothing changed.",
    "camp.changes": "Changes", "camp.no_changes": "No changes since the campaign was created.",
    "camp.field.window": "calling window", "camp.field.days": "days", "camp.field.holidays": "holidays",
    "camp.field.max_channels": "channels", "camp.field.calls_per_second": "calls per second",
    "camp.field.max_attempts": "attempts", "camp.field.daily_cap": "daily cap", "camp.field.retry_minutes": "retry delays",
    "camp.field.name": "name", "camp.field.scheduled_at": "start time",
    "admin.voices": "Recorded voices",
    "admin.voices_hint": "A recording (WAV or MP3) replaces the text-to-speech voice of one prompt in one language; "
                         "it is converted to 8 kHz mono and its loudness normalised. 'prompts build' keeps it.",
    "voice.prompt": "Prompt", "voice.file": "Recording", "voice.upload": "Upload", "voice.listen": "Listen",
    "voice.length": "Length", "voice.by": "Uploaded by", "voice.remove": "Back to the spoken text",
    "voice.none": "No recordings yet: every prompt is spoken by text-to-speech.",
    "voice.confirm_remove": "Use the text-to-speech voice for {name} again?",
    "camp.kind.announcement": "Announcement", "camp.message": "Message", "camp.new": "New campaign",
    "camp.voice_choose": "Choose a WAV or MP3 recording first.", "camp.voice": "Recorded voice", "camp.confirm_q": "Confirmation question", "camp.voice_lang": "Language",
    "camp.voice_upload": "Upload recording", "camp.voice_saved": "Recording saved ({s} s): callers hear it instead of the text-to-speech.",
    "camp.message_hi": "Message (Hindi)", "camp.message_en": "Message (English)",
    "camp.confirm_hi": "Confirmation question (Hindi)", "camp.confirm_en": "Confirmation question (English)",
    "camp.optional": "optional", "camp.announce_hint": "Callers hear the message, can press 1 to hear it again, "
    "then the confirmation question if there is one (the first digit confirms).",
    "camp.announce_counts": "Answered {answered} · heard to the end {heard} · confirmed {confirmed}",
    "camp.prompts_spoken": "The questions or the message are spoken (text-to-speech) when the campaign is created; "
                           "a recording uploaded by the administrator replaces the voice.",
}

HI: dict[str, str] = {
    "admin.hours": "सेवा का समय", "admin.holidays": "अवकाश",
    "admin.hours_hint": "हर कतार में एजेंट कब उत्तर देते हैं। इस समय के बाहर और अवकाश पर कॉल करने वाले सेवा-समय "
                        "के बाद का संदेश सुनते हैं, शिकायत की स्थिति जान सकते हैं या राय दे सकते हैं, और वापस कॉल "
                        "माँग सकते हैं या अपनी शिकायत रिकॉर्ड करा सकते हैं। बंद होने का समय खुलने से पहले हो तो "
                        "समय आधी रात के पार जाता है।",
    "admin.holidays_hint": "एक ही कैलेंडर: इन तिथियों पर एजेंट कतारें बंद रहती हैं और अभियान कॉल नहीं करते।",
    "hours.now": "अभी", "hours.rule": "समय", "hours.open": "खुला", "hours.closed": "बंद",
    "hours.holiday": "बंद (अवकाश)", "hours.until": "{at} तक", "hours.opens_at": "{at} पर खुलेगा",
    "hours.always": "हर समय खुला", "hours.days": "दिन", "hours.opens": "खुलता है", "hours.closes": "बंद होता है",
    "hours.date": "तिथि", "hours.no_holidays": "कोई अवकाश तय नहीं।", "hours.agents": "एजेंट",
    "emg.title": "आपात संदेश", "emg.on": "चालू: हर कॉल करने वाला इसे मेनू से पहले सुनता है।",
    "emg.off": "बंद।", "emg.text_hi": "संदेश (हिन्दी)", "emg.text_en": "संदेश (अंग्रेज़ी)",
    "emg.switch_on": "चालू करें", "emg.switch_off": "बंद करें", "emg.update": "नया पाठ सहेजें",
    "emg.hint": "बाढ़, बिजली कटौती, महामारी के लिए: सहेजते ही पाठ हिन्दी और अंग्रेज़ी में बोला जाता है "
                "(यहाँ अपलोड की गई रिकॉर्डिंग उस भाषा में आवाज़ की जगह लेती है)।",
    "emg.record": "या संदेश की रिकॉर्डिंग, भाषा",
    "cb.kind.voicemail": "सेवा-समय के बाद रिकॉर्ड", "cb.recording": "रिकॉर्डिंग",
    "camp.edit": "नियम बदलें", "camp.edit_save": "बदलाव सहेजें", "camp.daily_cap": "प्रति नंबर प्रति दिन कॉल",
    "camp.edit_saved": "सहेजा गया: {n} बदलाव, नीचे के लॉग में दर्ज।", "camp.edit_same": "कुछ नहीं बदला।",
    "camp.changes": "बदलाव", "camp.no_changes": "अभियान बनने के बाद कोई बदलाव नहीं।",
    "camp.field.window": "कॉल का समय", "camp.field.days": "दिन", "camp.field.holidays": "अवकाश",
    "camp.field.max_channels": "चैनल", "camp.field.calls_per_second": "प्रति सेकंड कॉल",
    "camp.field.max_attempts": "प्रयास", "camp.field.daily_cap": "दैनिक सीमा", "camp.field.retry_minutes": "दोबारा कॉल का अंतराल",
    "camp.field.name": "नाम", "camp.field.scheduled_at": "शुरू होने का समय",
    "admin.voices": "रिकॉर्ड की गई आवाज़ें",
    "admin.voices_hint": "रिकॉर्डिंग (WAV या MP3) किसी एक प्रॉम्प्ट की एक भाषा में टेक्स्ट-टू-स्पीच आवाज़ की जगह "
                         "लेती है; उसे 8 kHz मोनो में बदला जाता है और आवाज़ का स्तर बराबर किया जाता है। 'prompts build' उसे बनाए रखता है।",
    "voice.prompt": "प्रॉम्प्ट", "voice.file": "रिकॉर्डिंग", "voice.upload": "अपलोड करें", "voice.listen": "सुनें",
    "voice.length": "अवधि", "voice.by": "अपलोड करने वाले", "voice.remove": "फिर से बोली गई आवाज़",
    "voice.none": "अभी कोई रिकॉर्डिंग नहीं: हर प्रॉम्प्ट टेक्स्ट-टू-स्पीच से बोला जाता है।",
    "voice.confirm_remove": "{name} के लिए फिर से टेक्स्ट-टू-स्पीच आवाज़ लें?",
    "camp.kind.announcement": "घोषणा", "camp.message": "संदेश", "camp.new": "नया अभियान",
    "camp.voice_choose": "पहले WAV या MP3 रिकॉर्डिंग चुनें।", "camp.voice": "रिकॉर्ड की गई आवाज़", "camp.confirm_q": "पुष्टि का प्रश्न", "camp.voice_lang": "भाषा",
    "camp.voice_upload": "रिकॉर्डिंग अपलोड करें", "camp.voice_saved": "रिकॉर्डिंग सहेजी गई ({s} सेकंड): सुनने वाले टेक्स्ट-टू-स्पीच की जगह इसे सुनेंगे।",
    "camp.message_hi": "संदेश (हिन्दी)", "camp.message_en": "संदेश (अंग्रेज़ी)",
    "camp.confirm_hi": "पुष्टि का प्रश्न (हिन्दी)", "camp.confirm_en": "पुष्टि का प्रश्न (अंग्रेज़ी)",
    "camp.optional": "वैकल्पिक", "camp.announce_hint": "सुनने वाले संदेश सुनते हैं, 1 दबाकर फिर से सुन सकते हैं, "
    "फिर पुष्टि का प्रश्न हो तो वह (पहला अंक पुष्टि करता है)।",
    "camp.announce_counts": "उत्तर दिया {answered} · पूरा सुना {heard} · पुष्टि की {confirmed}",
    "camp.prompts_spoken": "अभियान बनाते ही प्रश्न या संदेश आवाज़ में (टेक्स्ट-टू-स्पीच) तैयार हो जाते हैं; "
                           "प्रशासक की अपलोड की गई रिकॉर्डिंग आवाज़ की जगह लेती है।",
}
