"""Helpline's date and time formats per language (Django's FORMAT_MODULE_PATH); a language
without one here keeps Django's own."""
