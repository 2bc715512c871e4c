"""The saved-search form: the search form's fields (what a run searches for) plus a name,
the alert rule and the schedule, turned into a `SavedSearchSpec`."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from pydantic import ValidationError

from dreamjobsearch.params.saved_searches import SavedSearchSpec
from dreamjobsearch.web.filters import keyword_list
from dreamjobsearch.web.search_form import SearchForm, SearchFormError

SCHEDULES = ("daily", "hours")
LABELS = {
    "name": "Name",
    "keywords": "Alert keywords",
    "location": "Alert location",
    "min_score": "Keywords at least",
    "every_hours": "Every (hours)",
    "daily_at": "Daily at",
    "time_zone": "Time zone",
}


@dataclass(frozen=True, slots=True)
class SavedSearchForm:
    """The form's fields as typed, so a form with a mistake is shown again as it was."""

    search: SearchForm = field(default_factory=SearchForm)
    name: str = ""
    keywords: str = ""
    location: str = ""
    min_score: str = "1"
    schedule: str = "daily"
    daily_at: str = "08:00"
    time_zone: str = ""
    every_hours: str = "24"
    email: bool = False
    problems: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, spec: SavedSearchSpec) -> SavedSearchForm:
        """The form filled in from a saved search, to edit it."""
        return cls(
            search=SearchForm.from_params(spec.update_params().model_dump(mode="json")),
            name=spec.name,
            keywords=", ".join(spec.keywords),
            location=spec.location or "",
            min_score=str(spec.min_score),
            schedule="hours" if spec.every_hours is not None else "daily",
            daily_at=spec.daily_at or "08:00",
            time_zone=spec.time_zone,
            every_hours=str(spec.every_hours or 24),
            email=spec.email,
        )

    def with_problems(self, problems: list[str]) -> SavedSearchForm:
        """The same form, showing `problems`."""
        return replace(self, problems=problems)

    def to_spec(self) -> SavedSearchSpec:
        """The saved search this form asks for; `SearchFormError` listing every problem."""
        problems: list[str] = []
        params: dict[str, Any] = {}
        try:
            params = self.search.to_params().model_dump(mode="json")
        except SearchFormError as error:
            problems.extend(error.problems)
        if self.schedule not in SCHEDULES:
            problems.append("Schedule: choose daily or every few hours")
        for label, text in (
            ("Keywords at least", self.min_score),
            ("Every (hours)", self.every_hours),
        ):
            if not text.strip().isdigit():
                problems.append(f"{label}: enter a whole number")
        if problems:
            raise SearchFormError(problems)
        daily = self.schedule == "daily"
        try:
            return SavedSearchSpec.model_validate(
                {
                    **params,
                    "name": self.name,
                    "keywords": keyword_list(self.keywords),
                    "location": self.location.strip() or None,
                    "min_score": int(self.min_score),
                    "every_hours": None if daily else int(self.every_hours),
                    "daily_at": self.daily_at.strip() if daily else None,
                    "time_zone": self.time_zone.strip() or "UTC",
                    "email": self.email,
                }
            )
        except ValidationError as error:
            raise SearchFormError(describe(error)) from error


def describe(error: ValidationError) -> list[str]:
    """One plain message per problem, named by the form's label."""
    problems = []
    for item in error.errors(include_url=False):
        location = item.get("loc", ())
        label = LABELS.get(str(location[0]), "Form") if location else "Form"
        message = str(item.get("msg", "invalid")).removeprefix("Value error, ")
        problems.append(f"{label}: {message}")
    return problems
