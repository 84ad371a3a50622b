"""The Textual UI. Imported only by the command that starts it; the headless core never imports this."""
