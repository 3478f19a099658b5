"""Words: Korean prompts to English, and free text to a scene."""
