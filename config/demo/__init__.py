"""The demo domain: customers, their orders and payments."""
