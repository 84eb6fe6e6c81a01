"""Rules of the seeding family."""
