"""The models: the catalogue (catalogue.py, models.txt) and getting a model's files onto disk offline,
the sentence embedder (embed.py), the chat model, local or a server (generate.py), and each loaded once
(loaded.py). Nothing here knows about articles, questions or answers.
"""
