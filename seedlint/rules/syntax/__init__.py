"""Rules of the syntax family."""
