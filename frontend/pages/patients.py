"""Patient list and search, and the registration form (tablet-first)."""

import reflex as rx

from frontend.components.fields import choice
from frontend.components.layout import shell
from frontend.state.patients import PatientsState, RegisterState
from shared.enums import SexAtBirth


def _result(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.link(row["name"], href="/patients/" + row["id"], weight="medium")),
        rx.table.cell(row["preferred"]),
        rx.table.cell(row["birth_date"]),
        rx.table.cell(row["mrn"]),
        rx.table.cell(row["status"]),
    )


def patient_list() -> rx.Component:
    return shell(
        "Patients",
        rx.form(
            rx.flex(
                rx.input(
                    name="q",
                    placeholder="Name (spelling may vary)",
                    id="search-q",
                    size="3",
                    flex="2",
                    min_width="14em",
                ),
                rx.input(name="mrn", placeholder="MRN", size="3", width="9em"),
                rx.input(name="birth_date", type="date", size="3"),
                rx.input(name="phone", placeholder="Phone", size="3", width="10em"),
                rx.button("Search", type="submit", size="3", id="search-go"),
                rx.link(
                    rx.button("Register patient", variant="soft", size="3", type="button"),
                    href="/patients/new",
                    id="register-link",
                ),
                gap="2",
                wrap="wrap",
                width="100%",
            ),
            on_submit=PatientsState.search,
            reset_on_submit=False,
            width="100%",
        ),
        rx.cond(
            PatientsState.error != "",
            rx.callout(PatientsState.error, color_scheme="red", role="alert"),
        ),
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    *[
                        rx.table.column_header_cell(h)
                        for h in ("Name", "Preferred", "Born", "MRN", "Status")
                    ]
                )
            ),
            rx.table.body(rx.foreach(PatientsState.rows, _result)),
            width="100%",
            id="patient-results",
        ),
        rx.cond(
            PatientsState.next_cursor != "",
            rx.button("More results", variant="soft", on_click=PatientsState.more),
        ),
    )


def _field(label: str, name: str, **props: object) -> rx.Component:
    return rx.vstack(
        rx.text(label, size="2", weight="medium", as_="label", html_for=f"reg-{name}"),
        rx.input(name=name, id=f"reg-{name}", size="3", width="100%", **props),
        rx.cond(
            RegisterState.errors.contains(name),
            rx.text(RegisterState.errors[name], color_scheme="red", size="1", id=f"err-{name}"),
        ),
        spacing="1",
        width="100%",
    )


def register() -> rx.Component:
    return shell(
        "Register patient",
        rx.form(
            rx.grid(
                _field("Legal first name *", "given_name"),
                _field("Legal last name *", "family_name"),
                _field("Date of birth *", "birth_date", type="date", max=RegisterState.today),
                _field("Preferred name", "preferred_name"),
                _field("Pronouns", "pronouns", placeholder="she/her, they/them…"),
                rx.vstack(
                    rx.text("Sex assigned at birth", size="2", weight="medium"),
                    choice("sex_at_birth", [s.value for s in SexAtBirth], default="unknown"),
                    spacing="1",
                    width="100%",
                ),
                _field("Gender identity", "gender_identity"),
                _field("Email", "email", type="email"),
                _field("Mobile phone", "phone", type="tel"),
                columns=rx.breakpoints(initial="1", sm="2"),
                spacing="4",
                width="100%",
            ),
            rx.cond(
                RegisterState.error != "",
                rx.callout(
                    RegisterState.error,
                    color_scheme="red",
                    role="alert",
                    id="register-error",
                    margin_top="1em",
                ),
            ),
            rx.cond(
                RegisterState.candidates.length() > 0,
                rx.vstack(
                    rx.foreach(
                        RegisterState.candidates,
                        lambda c: rx.link(c["label"], href="/patients/" + c["id"]),
                    ),
                    rx.button(
                        "Not the same person: register anyway",
                        type="button",
                        variant="outline",
                        on_click=RegisterState.register_anyway,
                        id="register-anyway",
                    ),
                    margin_top="1em",
                ),
            ),
            rx.button("Register", type="submit", size="3", margin_top="1.5em", id="register-go"),
            on_submit=RegisterState.submit,
            reset_on_submit=False,
            # Our messages (shared rules, then the API's) replace the browser's tooltips.
            no_validate=True,
            width="100%",
        ),
    )
