"""The text layer: tokens, lemmas and stems, stop words and the word lists (words.py), sentences
(sentences.py), the facts a text states (facts.py), what a question asks for (kinds.py) and the dates a
reader means (dates.py). Pure functions over strings, shared by ingest, evidence and the check, so all of
them split and compare words the same way. Imports nothing of the assistant but its records and settings.
"""
