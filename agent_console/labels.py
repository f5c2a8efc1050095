"""Names on officer and collector pages in the page's language: an officer's designation is built
from a known title, the department and the district ("District officer, Electricity, Lucknow"),
so a Hindi page gets "ज़िला अधिकारी, विद्युत, लखनऊ"; a designation typed by an administrator in
another form is shown as typed."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from agent_console import i18n


def designation_for(lang: str, departments: Mapping[str, Any], districts: Mapping[str, Any]) -> Callable[[Any], str]:
    t = i18n.translator(lang)

    def designation(officer: Any) -> str:
        text = getattr(officer, "designation", "") or ""
        if lang == "en" or not text:
            return text
        title = text.split(",")[0].strip()
        key = f"title.{title}"
        if t(key) == key:
            return text
        parts = [t(key)]
        department = departments.get(officer.department_code)
        if department is not None:
            parts.append(department.name_hi)
        district = districts.get(officer.district_code) if officer.district_code else None
        if district is not None:
            parts.append(district.name_hi)
        return ", ".join(parts)

    return designation
