import reflex as rx

from frontend.components.layout import shell
from frontend.state.admin import ROLE_NAMES, AuditState, UsersState


def _user_row(user: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(user["username"]),
        rx.table.cell(user["full_name"]),
        rx.table.cell(
            rx.form(
                rx.hstack(
                    rx.input(name="roles", default_value=user["roles"], size="1", width="14em"),
                    rx.el.input(type="hidden", name="id", value=user["id"]),
                    rx.el.input(type="hidden", name="version", value=user["version"]),
                    rx.button("Save", size="1", type="submit", variant="soft"),
                ),
                on_submit=UsersState.save_roles,
                reset_on_submit=False,
            )
        ),
        rx.table.cell(rx.cond(user["mfa"], "on", "off")),
        rx.table.cell(
            rx.button(
                rx.cond(user["disabled"], "Enable", "Disable"),
                size="1",
                variant="soft",
                on_click=UsersState.toggle_disabled(user["id"], user["disabled"], user["version"]),
            )
        ),
    )


def users() -> rx.Component:
    return shell(
        "Users",
        rx.cond(
            UsersState.error != "", rx.callout(UsersState.error, color_scheme="red", role="alert")
        ),
        rx.cond(UsersState.message != "", rx.callout(UsersState.message, color_scheme="green")),
        rx.card(
            rx.form(
                rx.hstack(
                    rx.input(name="username", placeholder="username", id="new-username"),
                    rx.input(name="full_name", placeholder="Full name"),
                    rx.input(
                        name="password",
                        type="password",
                        placeholder="Initial password",
                        id="new-password",
                    ),
                    wrap="wrap",
                ),
                rx.hstack(
                    *[
                        rx.checkbox(name, name=f"role_{name}", id=f"role-{name}")
                        for name in ROLE_NAMES
                    ],
                    wrap="wrap",
                    margin_y="0.8em",
                ),
                rx.button("Create user", type="submit"),
                on_submit=UsersState.create,
                reset_on_submit=True,
            ),
            width="100%",
        ),
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    *[
                        rx.table.column_header_cell(h)
                        for h in ("Username", "Name", "Roles", "MFA", "")
                    ]
                )
            ),
            rx.table.body(rx.foreach(UsersState.users, _user_row)),
            width="100%",
            id="users-table",
        ),
    )


def _sortable(label: str, column: str) -> rx.Component:
    return rx.table.column_header_cell(
        rx.link(label, on_click=AuditState.sort_by(column), cursor="pointer")
    )


def _event_row(event: rx.Var) -> rx.Component:
    return rx.table.row(
        *[
            rx.table.cell(event[key])
            for key in (
                "id",
                "when",
                "user",
                "action",
                "entity",
                "entity_id",
                "patient",
                "outcome",
                "ip",
            )
        ]
    )


def audit() -> rx.Component:
    return shell(
        "Audit report",
        rx.form(
            rx.hstack(
                rx.input(name="user", placeholder="User", width="9em"),
                rx.input(name="action", placeholder="Action (login, read…)", width="12em"),
                rx.input(name="patient_id", placeholder="Patient id", width="12em"),
                rx.input(name="since", type="date"),
                rx.input(name="until", type="date"),
                rx.button("Filter", type="submit", id="audit-filter"),
                rx.button(
                    "Download CSV",
                    type="button",
                    variant="soft",
                    on_click=AuditState.download_csv,
                    id="audit-csv",
                ),
                wrap="wrap",
            ),
            on_submit=AuditState.search,
            reset_on_submit=False,
        ),
        rx.cond(
            AuditState.error != "", rx.callout(AuditState.error, color_scheme="red", role="alert")
        ),
        rx.text(AuditState.total, " events", color_scheme="gray", id="audit-total"),
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    _sortable("#", "id"),
                    _sortable("When", "occurred_at"),
                    _sortable("User", "actor_username"),
                    _sortable("Action", "action"),
                    _sortable("Entity", "entity"),
                    rx.table.column_header_cell("Id"),
                    rx.table.column_header_cell("Patient"),
                    _sortable("Outcome", "outcome"),
                    rx.table.column_header_cell("Source"),
                )
            ),
            rx.table.body(rx.foreach(AuditState.events, _event_row)),
            width="100%",
            size="1",
            id="audit-table",
        ),
    )
