"""Rules of the dataloader family."""
