"""The application kernel shared by every context."""
