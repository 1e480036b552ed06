"""The application's routing tables: commands, buttons and forms, each by its neutral id."""
