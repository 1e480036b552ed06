"""Views: domain values turned into neutral messages and forms, using the words in `bot.words`."""
