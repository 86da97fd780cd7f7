"""What a person uses: the `assistant` command (cli.py, with terminal.py's output), the chat page
(web.py, cards.py's HTML) and what its server refuses (guard.py). A thin layer over `Assistant`: no
answering logic lives here.
"""
