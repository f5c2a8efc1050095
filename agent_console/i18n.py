"""Console texts in Hindi and English: `translator(lang)` returns `t(key, **values)`.

Every key exists in both tables (a test checks it); an unknown key shows as the key itself so a
missing text is visible, never a crash.
"""
from __future__ import annotations

from collections.abc import Callable

LANGUAGES = ("hi", "en")
DEFAULT_LANGUAGE = "hi"
LANG_COOKIE = "helpline_lang"

EN: dict[str, str] = {
    "app.name": "1076 Helpline",
    "nav.agent": "Agent desk", "nav.officer": "My complaints", "nav.supervisor": "Wallboard",
    "nav.reports": "Reports", "nav.admin": "Administration", "nav.logout": "Log out",
    "nav.skip": "Skip to content", "lang.switch": "हिन्दी", "lang.label": "Language",
    "login.title": "Log in", "login.username": "Username", "login.password": "Password",
    "login.submit": "Log in", "login.failed": "Wrong username or password.",
    "login.throttled": "Too many failed attempts. Try again in {minutes} minutes.",
    "login.busy": "Too many logins at this moment. Try again in a few seconds.",
    "login.expired": "Your session has ended. Please log in again.",
    "login.disabled": "This account is disabled. Ask the administrator.",
    "logout.done": "You have logged out.",
    "error.title": "Not allowed", "error.forbidden": "This page is for the role {roles}; you are logged in as {role}.",
    "error.not_found": "Not found.", "error.csrf": "The form had expired. Please reload the page and try again.",
    "error.back": "Go to my page", "error.generic": "Something went wrong: {message}",
    "state.registered": "Registered", "state.at_l1": "With L1 officer", "state.disposed": "Disposed",
    "state.at_l2": "With L2 officer", "state.disposed_l2": "Disposed by L2", "state.closed": "Closed",
    "agent.title": "Agent desk", "agent.state": "My state", "agent.state.logged_out": "Not in queue",
    "agent.state.ready": "Ready", "agent.state.paused": "Paused", "agent.state.ringing": "Ringing",
    "agent.state.on_call": "On call", "agent.state.wrap_up": "Wrap-up", "agent.state.unknown": "Connecting…",
    "agent.login_queue": "Join queue", "agent.ready": "Ready", "agent.pause": "Pause",
    "agent.pause_reason": "Pause reason", "agent.logout_queue": "Leave queue",
    "agent.wrapup_left": "Wrap-up ends in {s} s", "agent.pbx_down": "Live connection lost — retrying…",
    "agent.live": "Live", "agent.extension": "Extension",
    "pbx.down": "PBX disconnected: calls cannot reach the console. Retrying…",
    "call.title": "Current call", "call.none": "No call at the moment. A ringing call appears here.",
    "call.caller": "Caller", "call.language": "Language", "call.ivr_path": "IVR path", "call.waited": "Waited",
    "call.queue": "Queue", "call.seconds": "{s} s", "call.ringing": "Ringing", "call.answered": "Connected",
    "call.ended": "Call ended",
    "citizens.title": "Citizens on this number", "citizens.none": "No earlier citizen on this number.",
    "complaints.title": "Complaints", "complaints.none": "No complaints.",
    "col.number": "Complaint no.", "col.state": "State", "col.due": "Due", "col.department": "Department",
    "col.district": "District", "col.category": "Category", "col.registered": "Registered",
    "col.phone": "Phone", "col.name": "Name", "col.overdue": "Overdue", "col.officer": "Officer",
    "col.level": "Level", "col.description": "Description",
    "register.title": "Register a complaint", "register.phone": "Citizen's phone",
    "register.name": "Citizen's name", "register.language": "Citizen's language",
    "register.district": "District", "register.department": "Department", "register.category": "Category",
    "register.choose": "— choose —", "register.description": "Description", "register.submit": "Register complaint",
    "register.done": "Complaint registered. Read this number to the caller:",
    "register.due": "Due by {due}, officer {officer}.",
    "search.title": "Search", "search.q": "Complaint number or phone", "search.submit": "Search",
    "search.none": "Nothing found for {q}.",
    "disposition.title": "Call disposition", "disposition.submit": "Save disposition",
    "disposition.saved": "Disposition saved.",
    "disp.complaint_registered": "Complaint registered", "disp.status_enquiry": "Status enquiry",
    "disp.information": "Scheme information", "disp.feedback": "Feedback", "disp.wrong_number": "Wrong number",
    "disp.silent": "Silent call", "disp.abusive": "Abusive caller", "disp.other": "Other",
    "c2c.call": "Call", "c2c.calling": "Calling {number}…",
    "lang.hi": "Hindi", "lang.en": "English",
    "officer.title": "My complaints", "officer.sorted": "Sorted by deadline; overdue first.",
    "officer.none": "No complaint is waiting for you.", "officer.days_overdue": "{n} days overdue",
    "officer.due_in": "due {due}", "officer.escalated": "Escalated", "officer.reopened": "Reopened {n}×",
    "officer.open": "Open", "officer.l1_report": "L1 officer's report", "officer.l2_report": "L2 officer's report",
    "detail.title": "Complaint {number}", "detail.history": "History", "detail.citizen": "Citizen",
    "detail.dispose": "Action report and disposal", "detail.report": "What was done (action report)",
    "detail.dispose_submit": "Dispose complaint", "detail.transfer": "Transfer to another department",
    "detail.transfer_department": "New department", "detail.transfer_reason": "Reason",
    "detail.transfer_submit": "Transfer", "detail.disposed_ok": "Complaint {number} disposed. Feedback call queued.",
    "detail.transferred_ok": "Complaint {number} transferred.", "detail.back": "Back to my complaints",
    "detail.readonly": "This complaint is not open with you: no action possible.",
    "event.register": "Registered", "event.assign": "Assigned", "event.dispose": "Disposed",
    "event.reopen": "Reopened", "event.escalate": "Escalated to L2", "event.feedback": "Feedback",
    "event.transfer": "Transferred",
    "sup.title": "Wallboard", "sup.waiting": "Calls waiting", "sup.longest": "Longest wait",
    "sup.agents": "Agents", "sup.service_level": "Service level today", "sup.abandoned": "Abandoned today",
    "sup.callback": "Abandoned calls to call back", "sup.none": "None.", "sup.agent": "Agent",
    "sup.in_state": "Time in state", "sup.reason": "Reason", "sup.offered": "{n} calls offered",
    "sup.sl_note": "answered within {s} s", "sup.at": "At", "sup.waited": "Waited",
    "rep.title": "Reports", "rep.from": "From", "rep.to": "To", "rep.by": "Group by", "rep.show": "Show",
    "rep.csv": "Download CSV", "rep.by.department": "Department", "rep.by.district": "District",
    "rep.by.officer": "Officer", "rep.total": "All", "rep.received": "Received", "rep.disposed": "Disposed",
    "rep.pending": "Pending", "rep.overdue": "Overdue", "rep.reopened": "Reopened", "rep.escalated": "Escalated",
    "rep.satisfaction": "Satisfied %", "rep.age": "Pending by age (days)", "rep.ranking": "District ranking",
    "rep.rank": "Rank", "rep.disposal_rate": "Disposed %", "rep.chart": "Received and disposed",
    "rep.none": "No complaints in this period.",
    "admin.title": "Administration", "admin.users": "Users", "admin.officers": "Officers",
    "admin.departments": "Departments", "admin.categories": "Categories and SLA days",
    "admin.pause_reasons": "Pause reasons", "admin.save": "Save", "admin.add": "Add",
    "admin.code": "Code", "admin.name_en": "Name (English)", "admin.name_hi": "Name (Hindi)",
    "admin.role": "Role", "admin.active": "Active", "admin.extension": "Extension", "admin.officer_code": "Officer code",
    "admin.password": "New password", "admin.designation": "Designation", "admin.sla_days": "SLA days",
    "admin.delete": "Delete", "admin.saved": "Saved.", "admin.yes": "yes", "admin.no": "no",
    "admin.deactivate": "Disable", "admin.activate": "Enable", "admin.reset": "Set password",
    "admin.state_level": "(state level)",
    "nav.campaigns": "Campaigns", "camp.title": "Outbound campaigns", "camp.none": "No campaigns yet.",
    "camp.name": "Name", "camp.kind": "Kind", "camp.kind.survey": "Survey", "camp.kind.feedback": "Feedback",
    "camp.state": "State", "camp.state.draft": "Draft", "camp.state.scheduled": "Scheduled",
    "camp.state.running": "Running", "camp.state.paused": "Paused", "camp.state.completed": "Completed",
    "camp.state.cancelled": "Cancelled", "camp.window": "Calling window",
    "camp.window_hint": "HH:MM-HH:MM, helpline time", "camp.contacts": "Contacts", "camp.queued": "Queued",
    "camp.in_progress": "Being called", "camp.dialled": "Dialled", "camp.answered": "Answered",
    "camp.completed": "Completed", "camp.failed": "Failed", "camp.cancelled": "Cancelled", "camp.actions": "Actions",
    "camp.start": "Start", "camp.pause": "Pause", "camp.cancel": "Cancel", "camp.cancel_sure": "Really cancel?",
    "camp.show": "Details", "camp.csv": "Results CSV", "camp.detail": "Progress",
    "camp.pick": "Choose a campaign in the list to see its progress.", "camp.failed_by_reason": "Failed, by reason",
    "camp.answers": "Answers per question", "camp.question": "Question", "camp.answer": "Answer",
    "camp.count": "Count", "camp.updated": "Updated {at}", "camp.now_state": "{name} is now: {state}.",
    "camp.upload": "Upload beneficiaries (CSV)",
    "camp.upload_hint": "Header row with at least name and phone; district, scheme and language are optional.",
    "camp.upload_submit": "Upload", "camp.imported": "{n} imported", "camp.rejected": "rows rejected: {n}",
    "camp.row": "Row", "camp.reason": "Reason", "camp.value": "Value", "camp.choose_file": "Choose a CSV file first.",
    "camp.new": "New survey campaign", "camp.days": "Calling days", "camp.day.mon": "Mon", "camp.day.tue": "Tue",
    "camp.day.wed": "Wed", "camp.day.thu": "Thu", "camp.day.fri": "Fri", "camp.day.sat": "Sat", "camp.day.sun": "Sun",
    "camp.holidays": "Holidays", "camp.holidays_hint": "YYYY-MM-DD, comma-separated",
    "camp.max_channels": "Max channels",
    "camp.cps": "Calls per second", "camp.max_attempts": "Max attempts", "camp.questions": "Questions",
    "camp.q_id": "Id", "camp.q_hi": "Hindi text", "camp.q_en": "English text", "camp.q_digits": "Digits (1=yes,2=no)",
    "camp.add_question": "Add a question", "camp.create": "Create campaign",
    "camp.created": "Campaign {name} created as a draft: upload its contacts, then start it.",
    "camp.bad_digits": "Question {n}: write the digits as 1=yes,2=no",
    "camp.prompts_before": "After creating a survey campaign an administrator runs",
    "camp.prompts_after": "so that its questions are recorded as speech before it dials.",
    "camp.dnc": "Do-not-call list", "camp.dnc_phone": "Phone", "camp.dnc_reason": "Reason", "camp.dnc_add": "Add",
    "camp.dnc_remove": "Remove", "camp.dnc_none": "No numbers.", "camp.dnc_added": "{phone} added.",
    "camp.dnc_removed": "{phone} removed.",
}

HI: dict[str, str] = {
    "app.name": "1076 हेल्पलाइन",
    "nav.agent": "एजेंट डेस्क", "nav.officer": "मेरी शिकायतें", "nav.supervisor": "वॉलबोर्ड",
    "nav.reports": "रिपोर्ट", "nav.admin": "प्रशासन", "nav.logout": "लॉग आउट",
    "nav.skip": "मुख्य भाग पर जाएँ", "lang.switch": "English", "lang.label": "भाषा",
    "login.title": "लॉग इन", "login.username": "उपयोगकर्ता नाम", "login.password": "पासवर्ड",
    "login.submit": "लॉग इन करें", "login.failed": "उपयोगकर्ता नाम या पासवर्ड गलत है।",
    "login.throttled": "बहुत अधिक असफल प्रयास। {minutes} मिनट बाद फिर कोशिश करें।",
    "login.busy": "इस समय बहुत से लॉगिन हो रहे हैं। कुछ क्षण बाद फिर कोशिश करें।",
    "login.expired": "आपका सत्र समाप्त हो गया है। कृपया फिर से लॉग इन करें।",
    "login.disabled": "यह खाता बंद है। प्रशासक से संपर्क करें।",
    "logout.done": "आप लॉग आउट हो गए हैं।",
    "error.title": "अनुमति नहीं", "error.forbidden": "यह पृष्ठ {roles} भूमिका के लिए है; आप {role} के रूप में लॉग इन हैं।",
    "error.not_found": "नहीं मिला।", "error.csrf": "फ़ॉर्म की अवधि समाप्त हो गई। पृष्ठ दोबारा खोलकर फिर कोशिश करें।",
    "error.back": "मेरे पृष्ठ पर जाएँ", "error.generic": "कुछ गलत हुआ: {message}",
    "state.registered": "दर्ज", "state.at_l1": "L1 अधिकारी के पास", "state.disposed": "निस्तारित",
    "state.at_l2": "L2 अधिकारी के पास", "state.disposed_l2": "L2 द्वारा निस्तारित", "state.closed": "बंद",
    "agent.title": "एजेंट डेस्क", "agent.state": "मेरी स्थिति", "agent.state.logged_out": "कतार में नहीं",
    "agent.state.ready": "तैयार", "agent.state.paused": "विराम", "agent.state.ringing": "घंटी बज रही है",
    "agent.state.on_call": "कॉल पर", "agent.state.wrap_up": "रैप-अप", "agent.state.unknown": "जुड़ रहा है…",
    "agent.login_queue": "कतार में जुड़ें", "agent.ready": "तैयार", "agent.pause": "विराम",
    "agent.pause_reason": "विराम का कारण", "agent.logout_queue": "कतार छोड़ें",
    "agent.wrapup_left": "रैप-अप {s} सेकंड में समाप्त", "agent.pbx_down": "लाइव कनेक्शन टूटा — फिर से जोड़ रहे हैं…",
    "pbx.down": "पीबीएक्स से संपर्क नहीं है: कॉल कंसोल तक नहीं पहुँच रहीं। फिर से जोड़ रहे हैं…",
    "agent.live": "लाइव", "agent.extension": "एक्सटेंशन",
    "call.title": "वर्तमान कॉल", "call.none": "अभी कोई कॉल नहीं। कॉल आने पर यहाँ दिखेगी।",
    "call.caller": "कॉलर", "call.language": "भाषा", "call.ivr_path": "IVR मार्ग", "call.waited": "प्रतीक्षा",
    "call.queue": "कतार", "call.seconds": "{s} सेकंड", "call.ringing": "घंटी बज रही है", "call.answered": "जुड़ा",
    "call.ended": "कॉल समाप्त",
    "citizens.title": "इस नंबर के नागरिक", "citizens.none": "इस नंबर पर पहले कोई नागरिक नहीं।",
    "complaints.title": "शिकायतें", "complaints.none": "कोई शिकायत नहीं।",
    "col.number": "शिकायत संख्या", "col.state": "स्थिति", "col.due": "अंतिम तिथि", "col.department": "विभाग",
    "col.district": "ज़िला", "col.category": "श्रेणी", "col.registered": "दर्ज",
    "col.phone": "फ़ोन", "col.name": "नाम", "col.overdue": "समय-सीमा पार", "col.officer": "अधिकारी",
    "col.level": "स्तर", "col.description": "विवरण",
    "register.title": "शिकायत दर्ज करें", "register.phone": "नागरिक का फ़ोन",
    "register.name": "नागरिक का नाम", "register.language": "नागरिक की भाषा",
    "register.district": "ज़िला", "register.department": "विभाग", "register.category": "श्रेणी",
    "register.choose": "— चुनें —", "register.description": "विवरण", "register.submit": "शिकायत दर्ज करें",
    "register.done": "शिकायत दर्ज हो गई। कॉलर को यह संख्या पढ़कर सुनाएँ:",
    "register.due": "अंतिम तिथि {due}, अधिकारी {officer}।",
    "search.title": "खोजें", "search.q": "शिकायत संख्या या फ़ोन", "search.submit": "खोजें",
    "search.none": "{q} के लिए कुछ नहीं मिला।",
    "disposition.title": "कॉल का परिणाम", "disposition.submit": "परिणाम सहेजें",
    "disposition.saved": "परिणाम सहेजा गया।",
    "disp.complaint_registered": "शिकायत दर्ज", "disp.status_enquiry": "स्थिति की जानकारी",
    "disp.information": "योजना की जानकारी", "disp.feedback": "प्रतिपुष्टि", "disp.wrong_number": "गलत नंबर",
    "disp.silent": "मौन कॉल", "disp.abusive": "अभद्र कॉलर", "disp.other": "अन्य",
    "c2c.call": "कॉल करें", "c2c.calling": "{number} पर कॉल हो रही है…",
    "lang.hi": "हिन्दी", "lang.en": "अंग्रेज़ी",
    "officer.title": "मेरी शिकायतें", "officer.sorted": "अंतिम तिथि के क्रम में; समय-सीमा पार पहले।",
    "officer.none": "आपके पास कोई शिकायत लंबित नहीं है।", "officer.days_overdue": "{n} दिन से समय-सीमा पार",
    "officer.due_in": "अंतिम तिथि {due}", "officer.escalated": "उच्च स्तर पर भेजी गई", "officer.reopened": "{n} बार पुनः खोली गई",
    "officer.open": "खोलें", "officer.l1_report": "L1 अधिकारी की रिपोर्ट", "officer.l2_report": "L2 अधिकारी की रिपोर्ट",
    "detail.title": "शिकायत {number}", "detail.history": "इतिहास", "detail.citizen": "नागरिक",
    "detail.dispose": "कार्यवाही रिपोर्ट और निस्तारण", "detail.report": "क्या कार्यवाही की गई",
    "detail.dispose_submit": "शिकायत निस्तारित करें", "detail.transfer": "दूसरे विभाग को भेजें",
    "detail.transfer_department": "नया विभाग", "detail.transfer_reason": "कारण",
    "detail.transfer_submit": "भेजें", "detail.disposed_ok": "शिकायत {number} निस्तारित। प्रतिपुष्टि कॉल निर्धारित।",
    "detail.transferred_ok": "शिकायत {number} दूसरे विभाग को भेजी गई।", "detail.back": "मेरी शिकायतों पर लौटें",
    "detail.readonly": "यह शिकायत आपके पास खुली नहीं है: कोई कार्यवाही संभव नहीं।",
    "event.register": "दर्ज", "event.assign": "सौंपी गई", "event.dispose": "निस्तारित",
    "event.reopen": "पुनः खोली गई", "event.escalate": "L2 को भेजी गई", "event.feedback": "प्रतिपुष्टि",
    "event.transfer": "स्थानांतरित",
    "sup.title": "वॉलबोर्ड", "sup.waiting": "प्रतीक्षा में कॉल", "sup.longest": "सबसे लंबी प्रतीक्षा",
    "sup.agents": "एजेंट", "sup.service_level": "आज का सेवा स्तर", "sup.abandoned": "आज छोड़ी गई कॉल",
    "sup.callback": "छोड़ी गई कॉल — वापस कॉल करें", "sup.none": "कोई नहीं।", "sup.agent": "एजेंट",
    "sup.in_state": "स्थिति में समय", "sup.reason": "कारण", "sup.offered": "{n} कॉल आईं",
    "sup.sl_note": "{s} सेकंड में उत्तर", "sup.at": "समय", "sup.waited": "प्रतीक्षा",
    "rep.title": "रिपोर्ट", "rep.from": "से", "rep.to": "तक", "rep.by": "समूह", "rep.show": "दिखाएँ",
    "rep.csv": "CSV डाउनलोड करें", "rep.by.department": "विभाग", "rep.by.district": "ज़िला",
    "rep.by.officer": "अधिकारी", "rep.total": "कुल", "rep.received": "प्राप्त", "rep.disposed": "निस्तारित",
    "rep.pending": "लंबित", "rep.overdue": "समय-सीमा पार", "rep.reopened": "पुनः खोली गई", "rep.escalated": "उच्च स्तर पर",
    "rep.satisfaction": "संतुष्ट %", "rep.age": "आयु के अनुसार लंबित (दिन)", "rep.ranking": "ज़िलों की रैंकिंग",
    "rep.rank": "क्रम", "rep.disposal_rate": "निस्तारित %", "rep.chart": "प्राप्त और निस्तारित",
    "rep.none": "इस अवधि में कोई शिकायत नहीं।",
    "admin.title": "प्रशासन", "admin.users": "उपयोगकर्ता", "admin.officers": "अधिकारी",
    "admin.departments": "विभाग", "admin.categories": "श्रेणियाँ और समय-सीमा (दिन)",
    "admin.pause_reasons": "विराम के कारण", "admin.save": "सहेजें", "admin.add": "जोड़ें",
    "admin.code": "कोड", "admin.name_en": "नाम (अंग्रेज़ी)", "admin.name_hi": "नाम (हिन्दी)",
    "admin.role": "भूमिका", "admin.active": "सक्रिय", "admin.extension": "एक्सटेंशन", "admin.officer_code": "अधिकारी कोड",
    "admin.password": "नया पासवर्ड", "admin.designation": "पद", "admin.sla_days": "समय-सीमा (दिन)",
    "admin.delete": "हटाएँ", "admin.saved": "सहेजा गया।", "admin.yes": "हाँ", "admin.no": "नहीं",
    "admin.deactivate": "बंद करें", "admin.activate": "चालू करें", "admin.reset": "पासवर्ड रखें",
    "admin.state_level": "(राज्य स्तर)",
    "nav.campaigns": "अभियान", "camp.title": "आउटबाउंड कॉल अभियान", "camp.none": "अभी कोई अभियान नहीं।",
    "camp.name": "नाम", "camp.kind": "प्रकार", "camp.kind.survey": "सर्वेक्षण", "camp.kind.feedback": "प्रतिपुष्टि",
    "camp.state": "स्थिति", "camp.state.draft": "प्रारूप", "camp.state.scheduled": "निर्धारित",
    "camp.state.running": "चल रहा है", "camp.state.paused": "रुका हुआ", "camp.state.completed": "पूर्ण",
    "camp.state.cancelled": "रद्द", "camp.window": "कॉल का समय", "camp.window_hint": "HH:MM-HH:MM, हेल्पलाइन का समय",
    "camp.contacts": "संपर्क", "camp.queued": "कतार में", "camp.in_progress": "कॉल जारी", "camp.dialled": "डायल किए",
    "camp.answered": "उत्तर मिला", "camp.completed": "पूर्ण", "camp.failed": "असफल", "camp.cancelled": "रद्द",
    "camp.actions": "कार्रवाई", "camp.start": "शुरू करें", "camp.pause": "रोकें", "camp.cancel": "रद्द करें",
    "camp.cancel_sure": "सचमुच रद्द करें?", "camp.show": "विवरण", "camp.csv": "परिणाम CSV", "camp.detail": "प्रगति",
    "camp.pick": "प्रगति देखने के लिए सूची से अभियान चुनें।", "camp.failed_by_reason": "असफल, कारण के अनुसार",
    "camp.answers": "प्रश्न के अनुसार उत्तर", "camp.question": "प्रश्न", "camp.answer": "उत्तर",
    "camp.count": "संख्या", "camp.updated": "{at} पर अद्यतन", "camp.now_state": "{name} अब: {state}।",
    "camp.upload": "लाभार्थी सूची अपलोड करें (CSV)",
    "camp.upload_hint": "शीर्ष पंक्ति में कम से कम name और phone; district, scheme और language वैकल्पिक हैं।",
    "camp.upload_submit": "अपलोड करें", "camp.imported": "{n} आयात किए गए", "camp.rejected": "अस्वीकृत पंक्तियाँ: {n}",
    "camp.row": "पंक्ति", "camp.reason": "कारण", "camp.value": "मान", "camp.choose_file": "पहले CSV फ़ाइल चुनें।",
    "camp.new": "नया सर्वेक्षण अभियान", "camp.days": "कॉल के दिन", "camp.day.mon": "सोम", "camp.day.tue": "मंगल",
    "camp.day.wed": "बुध", "camp.day.thu": "गुरु", "camp.day.fri": "शुक्र", "camp.day.sat": "शनि",
    "camp.day.sun": "रवि", "camp.holidays": "अवकाश", "camp.holidays_hint": "YYYY-MM-DD, अल्पविराम से अलग",
    "camp.max_channels": "अधिकतम चैनल", "camp.cps": "प्रति सेकंड कॉल", "camp.max_attempts": "अधिकतम प्रयास",
    "camp.questions": "प्रश्न", "camp.q_id": "पहचान", "camp.q_hi": "हिन्दी पाठ", "camp.q_en": "अंग्रेज़ी पाठ",
    "camp.q_digits": "अंक (1=हाँ,2=नहीं)", "camp.add_question": "प्रश्न जोड़ें", "camp.create": "अभियान बनाएँ",
    "camp.created": "अभियान {name} प्रारूप के रूप में बना: संपर्क अपलोड करें, फिर शुरू करें।",
    "camp.bad_digits": "प्रश्न {n}: अंक 1=yes,2=no की तरह लिखें",
    "camp.prompts_before": "सर्वेक्षण अभियान बनाने के बाद प्रशासक",
    "camp.prompts_after": "चलाएँ, ताकि डायल करने से पहले उसके प्रश्न आवाज़ में तैयार हो जाएँ।",
    "camp.dnc": "कॉल न करें सूची", "camp.dnc_phone": "फ़ोन", "camp.dnc_reason": "कारण", "camp.dnc_add": "जोड़ें",
    "camp.dnc_remove": "हटाएँ", "camp.dnc_none": "कोई नंबर नहीं।", "camp.dnc_added": "{phone} जोड़ा गया।",
    "camp.dnc_removed": "{phone} हटाया गया।",
}

# Messaging pages (WhatsApp conversations, message backlog) keep their texts in their own module.
from agent_console.i18n_messaging import EN as _MESSAGING_EN, HI as _MESSAGING_HI  # noqa: E402

EN.update(_MESSAGING_EN)
HI.update(_MESSAGING_HI)
from agent_console.i18n_media import EN as _MEDIA_EN, HI as _MEDIA_HI  # noqa: E402

EN.update(_MEDIA_EN)
HI.update(_MEDIA_HI)
TABLES = {"en": EN, "hi": HI}


def pick_language(*candidates: str | None) -> str:
    """The first supported language among the candidates, else the default (Hindi)."""
    for lang in candidates:
        if lang in TABLES:
            return lang  # type: ignore[return-value]
    return DEFAULT_LANGUAGE


def translator(lang: str) -> Callable[..., str]:
    table = TABLES.get(lang, TABLES[DEFAULT_LANGUAGE])

    def t(key: str, **values: object) -> str:
        text = table.get(key) or EN.get(key) or key
        return text.format(**values) if values else text

    return t


def js_table(lang: str, prefixes: tuple[str, ...]) -> dict[str, str]:
    """The texts a page's script needs (keys starting with one of `prefixes`)."""
    table = TABLES.get(lang, TABLES[DEFAULT_LANGUAGE])
    return {k: v for k, v in table.items() if k.startswith(prefixes)}


def _merge_desk_texts() -> None:
    from agent_console.i18n_desk import DESK_EN, DESK_HI
    from agent_console.i18n_officer import OFFICER_EN, OFFICER_HI

    from agent_console.i18n_year import EN as YEAR_EN, HI as YEAR_HI

    EN.update(DESK_EN)
    HI.update(DESK_HI)
    EN.update(YEAR_EN)
    HI.update(YEAR_HI)
    EN.update(OFFICER_EN)
    HI.update(OFFICER_HI)


_merge_desk_texts()


def error_message(lang: str, error_id: str, message: str) -> str:
    """A server refusal for a page in `lang`: on Hindi pages the Hindi meaning first, the detail after."""
    if lang == "en":
        return message
    text = TABLES.get(lang, HI).get(f"err.{error_id}")
    return f"{text} ({message})" if text else message
