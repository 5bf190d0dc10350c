"""A reusable Django app: "when X happens, if Y, do Z", configured in the admin."""
