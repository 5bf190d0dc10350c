"""In-app work for staff: notifications (`notify.user`), tasks (`task.create`) and
their admin pages (the notification inbox, "My tasks"), and the value types their
steps use (people, groups, assignees, due dates)."""
