"""The demo account of `manage.py seed_demo` and `/demo/`."""

DEMO_ACCOUNT = "Demo Shop"
DEMO_USERNAME = "admin"
