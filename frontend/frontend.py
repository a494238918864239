"""The Reflex app: pages plus the API mounted under /api on the same port."""

import reflex as rx

from backend.asgi import ApiMount
from frontend.pages import sections
from frontend.pages.home import today

api_mount = ApiMount()

app = rx.App(
    api_transformer=api_mount,
)
app.register_lifespan_task(api_mount.lifespan)
app.add_page(today, route="/", title="Today · EMR")
app.add_page(sections.schedule, route="/schedule", title="Schedule · EMR")
app.add_page(sections.groups, route="/groups", title="Group notes · EMR")
app.add_page(sections.patients, route="/patients", title="Patients · EMR")
