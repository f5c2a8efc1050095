"""`helpline demo`: reference data, demo users (passwords printed) and sample complaints in every
lifecycle state, so a fresh install shows something real."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from agent_console.auth import hash_password
from config.reference import load_reference
from grievance import service
from grievance.lifecycle import Actor
from grievance.service import NewComplaint, Policy, Who
from helpline.users import create_user
from storage.db import Database
from storage.queries import complaints as complaint_q
from storage.queries import users as user_q
from storage.seed import seed_reference


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    officer: str | None = None
    extension: str | None = None


DEMO_USERS = (
    DemoUser("agent1001", "agent", extension="agent1001"),
    DemoUser("agent1002", "agent", extension="agent1002"),
    DemoUser("agent1003", "agent", extension="agent1003"),
    DemoUser("supervisor", "supervisor"),
    DemoUser("admin", "admin"),
    DemoUser("officer.ele.lko", "officer", officer="ELE-LKO-L1"),
    DemoUser("officer.ele.lko.l2", "officer", officer="ELE-LKO-L2"),
    DemoUser("officer.rev.lko", "officer", officer="REV-LKO-L1"),
    DemoUser("officer.pol.vns", "officer", officer="POL-VNS-L1"),
)

_SAMPLES = [
    # phone, name, district, department, category, description, language, story
    ("9812345678", "रामेश्वर प्रसाद", "LKO", "ELE", "ELE-SUPPLY", "गाँव में तीन दिन से बिजली नहीं है।", "hi", "at_l1"),
    ("9812345678", "सीता देवी", "LKO", "FCS", "FCS-RATION", "कोटेदार ने इस महीने राशन नहीं दिया।", "hi", "disposed"),
    ("9876543210", "Mohd. Irfan", "LKO", "ELE", "ELE-BILL", "Bill of Rs 18,000 for a one-room house.", "en", "reopened"),
    ("9123456780", "Kamla Yadav", "LKO", "ELE", "ELE-TRANS", "Transformer burnt for a week, whole mohalla dark.", "hi", "at_l2"),
    ("9988776655", "Anil Kumar", "LKO", "ELE", "ELE-SUPPLY", "Voltage fluctuation damaging appliances.", "en", "disposed_l2"),
    ("9090909090", "गीता शर्मा", "VNS", "POL", "POL-FIR", "चोरी की रिपोर्ट थाने में दर्ज नहीं की गई।", "hi", "closed"),
    ("9191919191", "Ramesh Chand", "LKO", "REV", "REV-LAND", "Mutation pending for eight months.", "en", "overdue"),
    ("9292929292", "सुनील वर्मा", "AGR", "JAL", "JAL-HANDPUMP", "हैंडपंप दो महीने से ख़राब है।", "hi", "at_l1"),
    ("9393939393", "Farida Begum", "SML", "SWF", "SWF-PENSION", "Widow pension not received since April.", "hi", "at_l1"),
    ("9494949494", "राजू", "LKO", "UDV", "UDV-SANIT", "गली में कई दिनों से कूड़ा नहीं उठा।", "hi", "transferred"),
]


async def ensure_users(session: AsyncSession) -> dict[str, str]:
    """Create or reset the demo users; returns username → new password."""
    passwords: dict[str, str] = {}
    for demo in DEMO_USERS:
        password = secrets.token_urlsafe(9)
        user = await user_q.by_username(session, demo.username)
        if user is None:
            await create_user(session, demo.username, demo.role, password,
                              officer=demo.officer, extension=demo.extension)
        else:
            user.password_hash = hash_password(password)
            user.active = True
        passwords[demo.username] = password
    return passwords


async def add_samples(session: AsyncSession, policy: Policy) -> int:
    """Sample complaints in every state (only once: skipped when complaints exist)."""
    if await complaint_q.search(session, state=None, limit=1):
        return 0
    now = service.utcnow()
    agent = Who(Actor.AGENT, "agent1001")
    for i, (phone, name, district, dept, cat, text, lang, story) in enumerate(_SAMPLES):
        at = now - timedelta(days=20 if story == "overdue" else 6 - (i % 5), hours=i)
        c = await service.register(session, NewComplaint(phone, name, district, dept, cat, text, lang), agent,
                                   policy, now=at)
        l1 = Who(Actor.OFFICER, "demo-officer", c.officer_code)
        later = at + timedelta(hours=30)
        if story in ("disposed", "reopened", "at_l2", "disposed_l2", "closed"):
            await service.dispose(session, c.number, "Site inspected; action taken as per rules.", l1, policy, later)
        if story in ("reopened", "at_l2", "disposed_l2"):
            await service.record_feedback(session, c.number, "dissatisfied", Who(Actor.DIALER, "dialer"), policy,
                                          later + timedelta(hours=2))
        if story in ("at_l2", "disposed_l2"):
            await service.dispose(session, c.number, "Re-inspected; lineman assigned.", l1, policy,
                                  later + timedelta(hours=20))
            await service.record_feedback(session, c.number, "dissatisfied", Who(Actor.DIALER, "dialer"), policy,
                                          later + timedelta(hours=22))
        if story == "disposed_l2":
            c2 = await complaint_q.by_number(session, c.number)
            assert c2 is not None
            await service.dispose(session, c.number, "L2 order issued; supply restored.",
                                  Who(Actor.OFFICER, "demo-l2", c2.officer_code), policy, later + timedelta(hours=40))
        if story == "closed":
            await service.record_feedback(session, c.number, "satisfied", Who(Actor.DIALER, "dialer"), policy,
                                          later + timedelta(hours=3))
        if story == "transferred":
            await service.transfer(session, c.number, "PRJ", "Village lane: Gram Panchayat's work, not the city's.",
                                   l1, later)
    return len(_SAMPLES)


async def run_demo(db: Database, policy: Policy) -> tuple[dict[str, int], dict[str, str], int]:
    async with db.session_scope() as session:
        counts = await seed_reference(session, load_reference())
    async with db.session_scope() as session:
        passwords = await ensure_users(session)
    async with db.session_scope() as session:
        samples = await add_samples(session, policy)
    return counts, passwords, samples
