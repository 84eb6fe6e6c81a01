"""Rules of the backend family."""
