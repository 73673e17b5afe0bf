"""The fuzzy picker's ranking, and the enroll form's option checks."""

from __future__ import annotations

from datetime import date

from textual.app import App, ComposeResult

from core.capabilities import Capabilities, EnrollOption
from tui.enrolling import fields_for, read_options
from tui.widgets.picker import Picker, rank

PEOPLE = {
    "1": "John Smith · john.smith@example.com",
    "2": "Joan Smythe · joan@example.com",
    "3": "Ada Lovelace · ada@example.com",
    "4": "Johnny Cash · cash@example.com",
}


def test_rank_puts_labels_that_start_with_the_text_first() -> None:
    assert rank("jo", PEOPLE, 8) == ["2", "1", "4"]  # then a word starting so, then shortest
    assert rank("cash", PEOPLE, 8) == ["4"]
    assert rank("smith", PEOPLE, 8)[0] == "1"


def test_rank_finds_a_name_with_a_typo() -> None:
    assert rank("jhon smth", PEOPLE, 2)[0] == "1"


def test_rank_with_no_text_lists_labels_in_order() -> None:
    assert rank("", PEOPLE, 2) == ["3", "2"]


class PickerApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Picker("who", id="who")


async def test_picker_adds_fuzzy_matches_in_a_thread_and_picks_with_enter() -> None:
    app = PickerApp()
    async with app.run_test() as pilot:
        picker = app.query_one(Picker)
        picker.set_choices(PEOPLE)
        picker.input.focus()
        await pilot.press(*"lovlace")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("enter")
        assert picker.value == "3"
        await pilot.press("x")
        assert picker.value is None


def test_fields_follow_the_capabilities() -> None:
    capabilities = Capabilities(
        operations=frozenset(),
        enroll_options=frozenset({EnrollOption.LEVEL, EnrollOption.DUE_AT}),
        levels=("student", "tutor"),
    )
    fields = fields_for(capabilities)
    assert [(f.column, f.kind, f.choices) for f in fields] == [
        ("due_date", "text", ()),
        ("level", "select", ("student", "tutor")),
    ]


def test_read_options_parses_with_the_csv_readers_and_checks_the_schedule() -> None:
    capabilities = Capabilities(
        operations=frozenset(),
        enroll_options=frozenset(
            {
                EnrollOption.DUE_AT,
                EnrollOption.VALID_FROM,
                EnrollOption.DUE_DATE_TYPE,
                EnrollOption.DUE_PERIOD_HOURS,
                EnrollOption.LOCK_AFTER_DUE,
            }
        ),
        due_date_types=("default", "due_date", "due_period"),
    )
    fields = fields_for(capabilities)
    options, errors = read_options(
        fields, {"due_date": "2026-05-01", "due_date_type": "due_date", "lock_after_due": True}
    )
    assert errors == []
    assert options == {
        EnrollOption.DUE_AT: date(2026, 5, 1),
        EnrollOption.DUE_DATE_TYPE: "due_date",
        EnrollOption.LOCK_AFTER_DUE: True,
    }
    _, errors = read_options(fields, {"due_date_type": "due_period"})
    assert errors == ["The due date type due_period needs a due period in hours"]
    _, errors = read_options(fields, {"due_date": "2026-01-01", "access_date": "2026-02-01"})
    assert errors == ["The due date is before the access date"]
    _, errors = read_options(fields, {"due_period_hours": "0"})
    assert errors == ["Due period (hours): due period must be at least one hour, not 0"]
