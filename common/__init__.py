"""What every part may use: phone and secret masking (`privacy`), and the context the composition
root hands to each part it starts (`context.AppContext`: settings, database, policy, live services)."""
